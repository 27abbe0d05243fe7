import { natsServerOptions } from './jetstream';

describe('natsServerOptions', () => {
  it('moves credentials out of the URLs into options, decoded', () => {
    expect(natsServerOptions('nats://catalog:p%40ss%3Aword@nats-0:4222, tls://catalog:p%40ss%3Aword@nats-1:4222')).toEqual({
      servers: ['nats://nats-0:4222', 'tls://nats-1:4222'],
      user: 'catalog',
      pass: 'p@ss:word',
    });
  });
  it('leaves URLs without credentials as they are', () => {
    expect(natsServerOptions('nats://127.0.0.1:4222,nats://127.0.0.1:4223')).toEqual({ servers: ['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223'] });
    expect(natsServerOptions('localhost:4222')).toEqual({ servers: ['localhost:4222'] });
  });
});

import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { INestMicroservice } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { TestNats, startNatsServer, waitFor } from '@omnibus/testing';
import pino from 'pino';
import { SubjectNatsServer } from './bootstrap';
import { currentContext, runInContext } from './context';
import { NatsHandlers, RpcError } from './rpc';
import { RemoteError, ServiceClient } from './rpc-client';
import { LOGGER } from './tokens';

@NatsHandlers()
class EchoController {
  @MessagePattern('echo.message.get')
  get(@Payload() payload: { n: number; fail?: boolean }) {
    if (payload.fail) throw new RpcError('CONFLICT', `refused ${payload.n}`, [{ field: 'n', problem: 'is refused' }]);
    return { n: payload.n, correlationId: currentContext()?.correlationId };
  }

  @MessagePattern('echo.message.slow')
  async slow() {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return { late: true };
  }
}

@Module({ controllers: [EchoController], providers: [{ provide: LOGGER, useValue: pino({ level: 'silent' }) }] })
class EchoModule {}

describe('ServiceClient against a Nest NATS service (real nats-server)', () => {
  let nats: TestNats;
  let service: INestMicroservice;
  let client: ServiceClient;
  const failure = (promise: Promise<unknown>) => promise.then(() => new Error('expected a RemoteError')).catch((e: RemoteError) => e) as Promise<RemoteError>;

  beforeAll(async () => {
    nats = await startNatsServer();
    service = await NestFactory.createMicroservice(EchoModule, { strategy: new SubjectNatsServer({ servers: [nats.url], queue: 'echo' }), logger: false });
    await service.listen();
    client = new ServiceClient([nats.url], 'test-client', 3000);
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
    await service?.close();
    await nats?.stop();
  });

  it('gets each reply to its own request, with the caller\'s correlation id carried in the headers', async () => {
    const replies = await runInContext({ correlationId: 'cor_client_test' }, () =>
      Promise.all(Array.from({ length: 200 }, (_, n) => client.request<{ n: number; correlationId?: string }>('echo.message.get', { n }))),
    );
    expect(replies.map((r) => r.n)).toEqual(Array.from({ length: 200 }, (_, n) => n));
    expect(new Set(replies.map((r) => r.correlationId))).toEqual(new Set(['cor_client_test']));
  });

  it('rejects with the service\'s error body', async () => {
    const error = await failure(client.request('echo.message.get', { n: 7, fail: true }));
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.body).toEqual({ code: 'CONFLICT', message: 'refused 7', details: [{ field: 'n', problem: 'is refused' }] });
  });

  it('is UNAVAILABLE when nobody listens on the subject, without waiting for the deadline', async () => {
    const error = await failure(client.request('nobody.thing.get', {}, 60_000));
    expect(error.body).toEqual({ code: 'UNAVAILABLE', message: 'nobody service is unavailable: no instance is listening' });
  });

  it('is UNAVAILABLE when the service does not answer in time, and ignores the late reply', async () => {
    const error = await failure(client.request('echo.message.slow', {}, 200));
    expect(error.body).toEqual({ code: 'UNAVAILABLE', message: 'echo service did not answer in 200 ms' });
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the late reply arrives and finds nobody waiting
    expect(await client.request('echo.message.get', { n: 1 })).toMatchObject({ n: 1 });
  });

  it('fails at once while its NATS connection is down, and once it is closed', async () => {
    const own = await startNatsServer();
    const lonely = new ServiceClient([own.url], 'lonely-client', 500);
    await lonely.connect();
    try {
      await own.stop();
      await waitFor('the client to notice the disconnect', async () => (await failure(lonely.request('echo.message.get', { n: 1 }))).body?.message.includes('connection to NATS is down'));
    } finally {
      await lonely.close();
    }
    const closed = await failure(lonely.request('echo.message.get', { n: 1 }));
    expect(closed.body).toEqual({ code: 'UNAVAILABLE', message: 'echo service is unavailable: the client is not connected' });
    // The nats client's wait between reconnect attempts is not cancelled by close(): let it pass.
    await new Promise((resolve) => setTimeout(resolve, 1200));
  });
});

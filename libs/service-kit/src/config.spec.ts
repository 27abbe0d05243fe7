import { ConfigError, describeEnv, env, readEnv, serviceEnv } from './config';

describe('readEnv', () => {
  it('applies defaults and parses types', () => {
    const config = readEnv({ ...serviceEnv, PORT: env.int('port', 0, 65535, { default: '3101' }) }, {});
    expect(config).toMatchObject({ PORT: 3101, NATS_URL: 'nats://127.0.0.1:4222', DATA_DIR: '.data', OUTBOX_RELAY: true, LOG_LEVEL: 'info' });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('names every bad or missing variable at once', () => {
    let error: ConfigError | undefined;
    try {
      readEnv(serviceEnv, { NATS_URL: 'http://x', DATABASE_POOL_SIZE: '0', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://db' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = error!.problems.join('\n');
    expect(text).toMatch(/^PORT is required/m);
    expect(text).toMatch(/NATS_URL="http:\/\/x" must use nats or tls/);
    expect(text).toMatch(/DATABASE_POOL_SIZE="0" must be an integer from 1 to 200/);
    expect(text).toMatch(/LOG_LEVEL="loud" must be one of/);
    expect(text).toMatch(/DATABASE_URL="mysql:\/\/db" must use postgres or postgresql/);
  });

  it('describes variables for --help', () => {
    expect(describeEnv(serviceEnv)).toMatch(/DATABASE_URL\s+.*\(optional\)/);
    expect(describeEnv(serviceEnv)).toMatch(/NATS_URL\s+.*\(default: nats:\/\/127.0.0.1:4222\)/);
  });
});

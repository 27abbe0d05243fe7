import { apiKeysFor, GatewayConfig } from '../config';
import { DEVELOPMENT_KEYS, parseApiKeys } from './api-keys';

const config = (overrides: Partial<GatewayConfig>) => ({ NODE_ENV: 'development', ...overrides }) as GatewayConfig;

describe('API keys', () => {
  it('parses admin and channel keys', () => {
    expect(parseApiKeys('s3cret-admin-key=admin, s3cret-web-key=channel:web')).toEqual([
      { key: 's3cret-admin-key', role: 'admin' },
      { key: 's3cret-web-key', role: 'channel', channel: 'web' },
    ]);
  });

  it.each([
    ['a short key', 'short=admin'],
    ['an unknown role', 'long-enough-key=owner'],
    ['a channel key without channel', 'long-enough-key=channel'],
    ['an admin key with a channel', 'long-enough-key=admin:web'],
    ['a repeated key', 'long-enough-key=admin,long-enough-key=channel:web'],
  ])('refuses %s', (_what, raw) => {
    expect(() => parseApiKeys(raw)).toThrow();
  });

  it('never shows a whole key in an error', () => {
    expect(() => parseApiKeys('supersecretvalue=owner')).toThrow(/supe…/);
    expect(() => parseApiKeys('supersecretvalue=owner')).not.toThrow(/supersecretvalue/);
  });

  it('uses the development keys only outside production', () => {
    expect(apiKeysFor(config({}))).toBe(DEVELOPMENT_KEYS);
    expect(() => apiKeysFor(config({ NODE_ENV: 'production' }))).toThrow(/API_KEYS is required in production/);
    expect(() => apiKeysFor(config({ NODE_ENV: 'production', API_KEYS: [{ key: 'dev-admin', role: 'admin' }] }))).toThrow(/development key/);
    const keys = [{ key: 'prod-admin-key-1', role: 'admin' as const }];
    expect(apiKeysFor(config({ NODE_ENV: 'production', API_KEYS: keys }))).toBe(keys);
  });
});

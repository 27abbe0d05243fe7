import { Product } from '@omnibus/contracts';
import type { NatsConnection } from 'nats';
import pino from 'pino';
import { GatewayConfig } from '../config';
import { ProductCache } from './product-cache';
import { versionFromIfMatch, visibleTo } from './products.controller';

const product = (overrides: Partial<Product> = {}): Product => ({
  id: 'prd_0000000000000000000001',
  slug: 'p',
  name: { en: 'P' },
  description: {},
  status: 'active',
  categories: [],
  channels: ['web'],
  attributes: {},
  media: [],
  variants: [],
  version: 1,
  createdAt: '',
  updatedAt: '',
  ...overrides,
});

describe('If-Match', () => {
  it.each([
    ['"3"', 3],
    ['W/"12"', 12],
    ['7', 7],
  ])('reads %s as version %d', (header, version) => {
    expect(versionFromIfMatch(header)).toBe(version);
  });
  it('is undefined when absent and a 400 when malformed', () => {
    expect(versionFromIfMatch(undefined)).toBeUndefined();
    expect(() => versionFromIfMatch('"abc"')).toThrow(/If-Match/);
    expect(() => versionFromIfMatch('*')).toThrow();
  });
});

describe('visibility', () => {
  it('shows channels only active products of their channel; admins see all', () => {
    expect(visibleTo({ role: 'channel', channel: 'web' }, product())).toBe(true);
    expect(visibleTo({ role: 'channel', channel: 'pos' }, product())).toBe(false);
    expect(visibleTo({ role: 'channel', channel: 'web' }, product({ status: 'draft' }))).toBe(false);
    expect(visibleTo({ role: 'channel', channel: 'web' }, product({ status: 'archived' }))).toBe(false);
    expect(visibleTo({ role: 'admin' }, product({ status: 'draft', channels: [] }))).toBe(true);
  });
});

describe('ProductCache', () => {
  const cache = (size = 2, ttl = 60_000) =>
    new ProductCache({} as NatsConnection, { PRODUCT_CACHE_SIZE: size, PRODUCT_CACHE_TTL_MS: ttl } as GatewayConfig, pino({ level: 'silent' }));

  it('never replaces a newer version with an older one', () => {
    const c = cache();
    c.put(product({ version: 3, name: { en: 'new' } }));
    c.put(product({ version: 2, name: { en: 'old' } }));
    expect(c.get('prd_0000000000000000000001')?.name).toEqual({ en: 'new' });
  });

  it('evicts the least recently stored beyond its size', () => {
    const c = cache(2);
    c.put(product({ id: 'prd_a' }));
    c.put(product({ id: 'prd_b' }));
    c.put(product({ id: 'prd_c' }));
    expect(c.size).toBe(2);
    expect(c.get('prd_a')).toBeUndefined();
    expect(c.get('prd_c')).toBeDefined();
  });

  it('forgets a copy older than a version written elsewhere (bulk upserts), and keeps a newer one', () => {
    const c = cache();
    c.put(product({ version: 2 }));
    c.forgetOlderThan('prd_0000000000000000000001', 2);
    expect(c.get('prd_0000000000000000000001')?.version).toBe(2);
    c.forgetOlderThan('prd_0000000000000000000001', 3);
    expect(c.get('prd_0000000000000000000001')).toBeUndefined();
  });

  it('forgets entries older than the TTL, and stores nothing when turned off', async () => {
    const c = cache(10, 5);
    c.put(product());
    await new Promise((r) => setTimeout(r, 20));
    expect(c.get('prd_0000000000000000000001')).toBeUndefined();
    const off = cache(0);
    off.put(product());
    expect(off.size).toBe(0);
  });
});

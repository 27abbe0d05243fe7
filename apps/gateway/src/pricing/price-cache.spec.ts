import { ForbiddenException } from '@nestjs/common';
import { Product, ResolvedPrices } from '@omnibus/contracts';
import { RemoteError, ServiceClient } from '@omnibus/service-kit';
import type { NatsConnection } from 'nats';
import pino from 'pino';
import { Principal } from '../auth/api-keys';
import { GatewayConfig } from '../config';
import { PriceCache } from './price-cache';
import { priceScopeFor } from './price-scope';

const product = { id: 'prd_1', variants: [{ sku: 'A' }, { sku: 'B' }] } as unknown as Product;
const scope = { currency: 'EUR', channel: 'web', customerGroup: null };
const STAFF = ['pos', 'pos-*'];

/** Pricing as the cache sees it: answers the test sets, counting requests. */
function setup(config: Partial<GatewayConfig> = {}) {
  const amounts = new Map<string, number>([
    ['A', 100],
    ['B', 200],
  ]);
  const state = { requests: 0, nextChangeAt: null as string | null, fail: false, during: undefined as (() => void) | undefined };
  const services = {
    request: async (_subject: string, payload: { skus: string[] }): Promise<ResolvedPrices> => {
      state.requests++;
      if (state.fail) throw new RemoteError({ code: 'UNAVAILABLE', message: 'pricing service did not answer' });
      const reply = { currency: 'EUR', nextChangeAt: state.nextChangeAt, prices: payload.skus.map((sku) => ({ sku, amount: amounts.get(sku) ?? null, priceId: null, priceListId: null })) };
      state.during?.();
      state.during = undefined;
      return reply;
    },
  } as unknown as ServiceClient;
  const cache = new PriceCache({} as NatsConnection, services, { PRICE_CACHE_SIZE: 100, PRICE_CACHE_TTL_MS: 60_000, PRICE_TIMEOUT_MS: 1000, ...config } as GatewayConfig, pino({ level: 'silent' }));
  const amountsOf = async () => (await cache.get(product.variants.map((v) => v.sku), scope))?.map((p) => p.amount) ?? null;
  return { amounts, state, cache, amountsOf };
}

describe('price block of product details', () => {
  it('asks pricing once per product, then answers from memory until an event evicts the SKU', async () => {
    const { amounts, state, cache, amountsOf } = setup();
    expect(await amountsOf()).toEqual([100, 200]);
    expect(await amountsOf()).toEqual([100, 200]);
    expect(state.requests).toBe(1);
    amounts.set('A', 150);
    cache.evict('A');
    expect(await amountsOf()).toEqual([150, 200]);
    expect(state.requests).toBe(2);
  });

  it('does not store an answer that an eviction overtook', async () => {
    const { amounts, state, cache, amountsOf } = setup();
    state.during = () => {
      amounts.set('A', 175);
      cache.evict('A');
    };
    expect(await amountsOf()).toEqual([100, 200]);
    expect(await amountsOf()).toEqual([175, 200]);
    expect(state.requests).toBe(2);
  });

  it('keeps an entry no longer than the next price window change', async () => {
    const { state, amountsOf } = setup();
    state.nextChangeAt = new Date(Date.now() + 20).toISOString();
    await amountsOf();
    await new Promise((r) => setTimeout(r, 40));
    await amountsOf();
    expect(state.requests).toBe(2);
  });

  it('answers without a price block while pricing is down, probing it once', async () => {
    const { state, amountsOf } = setup();
    state.fail = true;
    expect(await amountsOf()).toBeNull();
    const requests = state.requests;
    // Within the back-off, concurrent details answer at once while a single request probes pricing.
    const [a, b, c] = await Promise.all([amountsOf(), amountsOf(), amountsOf()]);
    expect([a, b, c]).toEqual([null, null, null]);
    expect(state.requests).toBe(requests + 1);
  });
});

describe('price scope of product details', () => {
  it('prices a channel key for its channel, an admin key for no channel unless asked', () => {
    expect(priceScopeFor({ role: 'channel', channel: 'pos' }, {}, STAFF)).toEqual({ currency: 'EUR', channel: 'pos', customerGroup: null });
    expect(priceScopeFor({ role: 'admin' }, { currency: 'USD' }, STAFF)).toEqual({ currency: 'USD', channel: null, customerGroup: null });
    expect(priceScopeFor({ role: 'admin' }, { channel: 'pos', customerGroup: 'gold' }, STAFF)).toEqual({ currency: 'EUR', channel: 'pos', customerGroup: 'gold' });
  });

  it('refuses a bad currency or group naming the field, and another channel', () => {
    expect(() => priceScopeFor({ role: 'admin' }, { currency: 'euro' }, STAFF)).toThrow(/currency/);
    expect(() => priceScopeFor({ role: 'admin' }, { customerGroup: 'Gold Members' }, STAFF)).toThrow(/customerGroup/);
    expect(() => priceScopeFor({ role: 'channel', channel: 'web' }, { channel: 'pos' }, STAFF)).toThrow(/web channel only/);
  });

  it("takes the customer group from the customer token, never from a channel key's query", () => {
    const customer = { id: 'cus_00mwsl5gj03jvyx6t27vbl', group: 'gold' };
    expect(priceScopeFor({ role: 'channel', channel: 'web', customer }, {}, STAFF)).toEqual({ currency: 'EUR', channel: 'web', customerGroup: 'gold' });
    expect(priceScopeFor({ role: 'channel', channel: 'web', customer }, { customerGroup: 'gold' }, STAFF).customerGroup).toBe('gold');
    const forbidden = (principal: Principal, query: Record<string, unknown>) => {
      try {
        priceScopeFor(principal, query, STAFF);
      } catch (err) {
        return err instanceof ForbiddenException ? (err.getResponse() as { details: unknown }).details : err;
      }
      return 'allowed';
    };
    expect(forbidden({ role: 'channel', channel: 'web', customer }, { customerGroup: 'vip' })).toEqual([{ field: 'customerGroup', problem: expect.stringContaining('not the group of the logged-in customer') }]);
    expect(forbidden({ role: 'channel', channel: 'web' }, { customerGroup: 'gold' })).toEqual([{ field: 'customerGroup', problem: expect.stringContaining('customer token') }]);
    expect(forbidden({ role: 'admin', customer }, { customerGroup: 'vip' })).toEqual([{ field: 'customerGroup', problem: expect.stringContaining('not the group') }]);
    // Staff channels (POS, phone…) price on behalf of a named group, as they order for a named customer.
    expect(priceScopeFor({ role: 'channel', channel: 'pos-berlin' }, { customerGroup: 'gold' }, STAFF).customerGroup).toBe('gold');
    expect(forbidden({ role: 'channel', channel: 'pos-berlin', customer }, { customerGroup: 'vip' })).toEqual([{ field: 'customerGroup', problem: expect.stringContaining('not the group') }]);
  });
});

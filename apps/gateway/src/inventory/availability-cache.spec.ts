import { Product, SkuAvailability } from '@omnibus/contracts';
import { RemoteError, ServiceClient } from '@omnibus/service-kit';
import type { NatsConnection } from 'nats';
import pino from 'pino';
import { GatewayConfig } from '../config';
import { AvailabilityCache, forPrincipal, productAvailability } from './availability-cache';
import { channelScope } from './channel-scope';

const item = (sku: string, available: number, channel: string | null = 'web'): SkuAvailability => ({
  sku,
  channel,
  available,
  locations: [{ locationId: 'loc_1', code: 'central', name: 'Central', kind: 'warehouse', ships: true, pickup: false, available, onHand: available + 1, reserved: 1 }],
});

/** A fake inventory: answers batch requests from `stock`, counting calls; `hold` delays answers. */
function fakeInventory(stock: Record<string, number>) {
  const calls: { skus: string[]; channel?: string }[] = [];
  let release: (() => void) | undefined;
  let failing = false;
  const services = {
    request: async (_subject: string, payload: { skus: string[]; channel?: string }) => {
      calls.push(payload);
      if (failing) throw new RemoteError({ code: 'UNAVAILABLE', message: 'inventory service did not answer in 1000 ms' });
      const answer = { items: payload.skus.map((s) => item(s, stock[s] ?? 0, payload.channel ?? null)) };
      if (release === null) await new Promise<void>((r) => (release = r));
      return answer;
    },
  } as unknown as ServiceClient;
  return {
    services,
    calls,
    fail: (on: boolean) => (failing = on),
    holdNext: () => (release = null as unknown as undefined),
    releaseHeld: () => release?.(),
  };
}

const config = { AVAILABILITY_CACHE_SIZE: 100, AVAILABILITY_CACHE_TTL_MS: 60_000, AVAILABILITY_TIMEOUT_MS: 1000 } as GatewayConfig;
const cacheWith = (services: ServiceClient, overrides: Partial<GatewayConfig> = {}) =>
  new AvailabilityCache({} as NatsConnection, services, { ...config, ...overrides } as GatewayConfig, pino({ level: 'silent' }));

describe('AvailabilityCache', () => {
  it('asks the inventory once per miss, for all missing SKUs together, then serves from memory', async () => {
    const inventory = fakeInventory({ A: 3, B: 4 });
    const cache = cacheWith(inventory.services);
    expect((await cache.get(['A', 'B'], 'web'))!.map((i) => i.available)).toEqual([3, 4]);
    expect((await cache.get(['A', 'B'], 'web'))!.map((i) => i.available)).toEqual([3, 4]);
    expect(inventory.calls).toEqual([{ skus: ['A', 'B'], channel: 'web' }]);
    await cache.get(['A'], null); // another channel is another entry
    expect(inventory.calls).toHaveLength(2);
  });

  it('fetches a SKU again after a stock event evicted it, in every channel', async () => {
    const stock = { A: 3 };
    const inventory = fakeInventory(stock);
    const cache = cacheWith(inventory.services);
    await cache.get(['A'], 'web');
    await cache.get(['A'], null);
    stock.A = 1;
    cache.evict('A');
    expect((await cache.get(['A'], 'web'))![0].available).toBe(1);
    expect((await cache.get(['A'], null))![0].available).toBe(1);
    expect(inventory.calls).toHaveLength(4);
  });

  it('does not keep an answer that was on its way when its SKU changed', async () => {
    const inventory = fakeInventory({ A: 3 });
    const cache = cacheWith(inventory.services);
    inventory.holdNext();
    const pending = cache.get(['A'], 'web');
    await new Promise((r) => setTimeout(r, 5));
    cache.evict('A');
    inventory.releaseHeld();
    expect((await pending)![0].available).toBe(3); // this caller gets what it asked for…
    await cache.get(['A'], 'web');
    expect(inventory.calls).toHaveLength(2); // …but the next one asks again
  });

  it('does not let a read after a stock event share a fetch that started before it', async () => {
    const stock = { A: 3 };
    const inventory = fakeInventory(stock);
    const cache = cacheWith(inventory.services);
    inventory.holdNext();
    const before = cache.get(['A'], 'web');
    await new Promise((r) => setTimeout(r, 5));
    stock.A = 1;
    cache.evict('A');
    const after = cache.get(['A'], 'web');
    inventory.releaseHeld();
    expect((await after)![0].available).toBe(1);
    expect((await before)![0].available).toBe(3);
    expect(inventory.calls).toHaveLength(2);
    expect((await cache.get(['A'], 'web'))![0].available).toBe(1); // and the newer answer is the one kept
  });

  it('answers null at once while the inventory is down, and asks it again after a pause', async () => {
    const inventory = fakeInventory({ A: 3 });
    const cache = cacheWith(inventory.services);
    inventory.fail(true);
    expect(await cache.get(['A'], 'web')).toBeNull();
    expect(await cache.get(['A'], 'web')).toBeNull();
    expect(await cache.get(['B'], 'web')).toBeNull();
    expect(inventory.calls).toHaveLength(1); // nobody waits for a service that just failed
    inventory.fail(false);
    const later = Date.now() + 6000;
    const clock = jest.spyOn(Date, 'now').mockReturnValue(later);
    try {
      expect((await cache.get(['A'], 'web'))![0].available).toBe(3);
      expect(inventory.calls).toHaveLength(2);
    } finally {
      clock.mockRestore();
    }
  });

  it('serves nothing past its TTL and stores nothing when turned off', async () => {
    const inventory = fakeInventory({ A: 3 });
    const short = cacheWith(inventory.services, { AVAILABILITY_CACHE_TTL_MS: 5 });
    await short.get(['A'], 'web');
    await new Promise((r) => setTimeout(r, 20));
    await short.get(['A'], 'web');
    expect(inventory.calls).toHaveLength(2);
    const off = cacheWith(inventory.services, { AVAILABILITY_CACHE_SIZE: 0 });
    await off.get(['A'], 'web');
    expect(off.size).toBe(0);
  });
});

describe('what callers see', () => {
  it('hides on hand and reserved from channel keys', () => {
    expect(forPrincipal(item('A', 3), { role: 'channel', channel: 'web' }).locations[0]).not.toHaveProperty('onHand');
    expect(forPrincipal(item('A', 3), { role: 'admin' }).locations[0]).toMatchObject({ onHand: 4, reserved: 1 });
  });

  it('lists every variant of the product, with 0 for SKUs the inventory has nothing of', () => {
    const product = { variants: [{ sku: 'A' }, { sku: 'B' }] } as Product;
    expect(productAvailability(product, 'web', [item('A', 3)], false)).toEqual({ channel: 'web', variants: [{ sku: 'A', available: 3 }, { sku: 'B', available: 0 }] });
    expect(productAvailability(product, 'web', [item('A', 3)], true).variants[1]).toEqual({ sku: 'B', available: 0, locations: [] });
  });

  it('lets a channel key act for its own channel only', () => {
    expect(channelScope({ role: 'channel', channel: 'pos-berlin-mitte' }, undefined)).toBe('pos-berlin-mitte');
    expect(() => channelScope({ role: 'channel', channel: 'pos-berlin-mitte' }, 'web')).toThrow(/pos-berlin-mitte channel only/);
    expect(channelScope({ role: 'admin' }, 'web')).toBe('web');
    expect(channelScope({ role: 'admin' }, undefined)).toBeUndefined();
  });
});

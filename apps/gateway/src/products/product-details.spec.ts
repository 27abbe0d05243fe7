import { InventorySubjects, Product, ResolvedPrices, SkuAvailability } from '@omnibus/contracts';
import { RemoteError, ServiceClient } from '@omnibus/service-kit';
import type { NatsConnection } from 'nats';
import pino from 'pino';
import { Principal } from '../auth/api-keys';
import { GatewayConfig } from '../config';
import { AvailabilityCache } from '../inventory/availability-cache';
import { PriceCache } from '../pricing/price-cache';
import { ProductDetails } from './product-details';

const product = (version = 1): Product => ({
  id: 'prd_0000000000000000000001',
  slug: 'shirt',
  name: { en: `Shirt v${version}` },
  description: {},
  status: 'active',
  categories: [],
  channels: ['web'],
  attributes: {},
  media: [],
  variants: [
    { id: 'var_1', sku: 'A', attributes: {}, media: [] },
    { id: 'var_2', sku: 'B', attributes: {}, media: [] },
  ],
  version,
  createdAt: '',
  updatedAt: '',
});

const web: Principal = { role: 'channel', channel: 'web' };

/** Pricing and the inventory as the caches see them: answers from `amounts` and `stock`, counting requests; `while…` runs once while an answer is on its way. */
function setup(config: Partial<GatewayConfig> = {}) {
  const amounts: Record<string, number> = { A: 100, B: 200 };
  const stock: Record<string, number> = { A: 3, B: 0 };
  const state = { priceRequests: 0, stockRequests: 0, pricingDown: false, nextChangeAt: null as string | null, whilePricing: undefined as (() => void) | undefined, whileCounting: undefined as (() => void) | undefined };
  const services = {
    request: async (subject: string, payload: { skus: string[]; channel?: string; customerGroup?: string }): Promise<unknown> => {
      if (subject === InventorySubjects.batchAvailability) {
        state.stockRequests++;
        const items: SkuAvailability[] = payload.skus.map((sku) => ({ sku, channel: payload.channel ?? null, available: stock[sku] ?? 0, locations: [] }));
        const during = state.whileCounting;
        state.whileCounting = undefined;
        during?.();
        return { items };
      }
      state.priceRequests++;
      if (state.pricingDown) throw new RemoteError({ code: 'UNAVAILABLE', message: 'pricing service did not answer' });
      const group = payload.customerGroup === 'gold' ? 0.8 : 1;
      const reply: ResolvedPrices = { currency: 'EUR', nextChangeAt: state.nextChangeAt, prices: payload.skus.map((sku) => ({ sku, amount: amounts[sku] * group, priceId: null, priceListId: null })) };
      const during = state.whilePricing;
      state.whilePricing = undefined;
      during?.();
      return reply;
    },
  } as unknown as ServiceClient;
  const full = {
    PRICE_CACHE_SIZE: 100,
    PRICE_CACHE_TTL_MS: 60_000,
    PRICE_TIMEOUT_MS: 1000,
    AVAILABILITY_CACHE_SIZE: 100,
    AVAILABILITY_CACHE_TTL_MS: 60_000,
    AVAILABILITY_TIMEOUT_MS: 1000,
    DETAIL_CACHE_SIZE: 100,
    STAFF_CHANNELS: ['pos', 'pos-*'],
    ...config,
  } as GatewayConfig;
  const logger = pino({ level: 'silent' });
  const prices = new PriceCache({} as NatsConnection, services, full, logger);
  const availability = new AvailabilityCache({} as NatsConnection, services, full, logger);
  const details = new ProductDetails(prices, availability, full);
  const read = async (p: Product, principal: Principal = web, query: Record<string, unknown> = {}) => JSON.parse((await details.render(p, principal, query)).toString('utf8'));
  return { amounts, stock, state, prices, availability, details, read };
}

describe('product details', () => {
  it('is the product with its availability and price blocks, built once and then served as it was', async () => {
    const { state, details, read } = setup();
    const p = product();
    const first = await details.render(p, web, {});
    expect(JSON.parse(first.toString('utf8'))).toEqual({
      ...p,
      availability: { channel: 'web', variants: [{ sku: 'A', available: 3 }, { sku: 'B', available: 0 }] },
      price: { currency: 'EUR', channel: 'web', customerGroup: null, variants: [{ sku: 'A', amount: 100, priceId: null, priceListId: null }, { sku: 'B', amount: 200, priceId: null, priceListId: null }] },
    });
    expect(details.render(p, web, {})).toBe(first); // the same bytes, not a promise: nothing was rebuilt
    expect(await read(p)).toEqual(JSON.parse(first.toString('utf8')));
    expect([state.priceRequests, state.stockRequests]).toEqual([1, 1]);
  });

  it('shows a price, stock or product change in the next read', async () => {
    const { amounts, stock, prices, availability, read } = setup();
    const p = product();
    await read(p);
    amounts.A = 150;
    prices.evict('A');
    expect((await read(p)).price.variants[0].amount).toBe(150);
    stock.B = 7;
    availability.evict('B');
    expect((await read(p)).availability.variants[1].available).toBe(7);
    amounts.B = 250;
    prices.clear(); // a price list changed
    expect((await read(p)).price.variants[1].amount).toBe(250);
    stock.A = 1;
    availability.clear(); // a location changed
    expect((await read(p)).availability.variants[0].available).toBe(1);
    expect((await read(product(2))).name).toEqual({ en: 'Shirt v2' });
  });

  it('does not serve again what was built from an answer that a change overtook', async () => {
    const { amounts, stock, state, prices, availability, read } = setup();
    const p = product();
    state.whilePricing = () => {
      amounts.A = 175;
      prices.evict('A');
    };
    expect((await read(p)).price.variants[0].amount).toBe(100); // answered before the change
    expect((await read(p)).price.variants[0].amount).toBe(175);
    state.whileCounting = () => {
      stock.A = 9;
      availability.evict('A');
    };
    availability.evict('A');
    expect((await read(p)).availability.variants[0].available).toBe(3);
    expect((await read(p)).availability.variants[0].available).toBe(9);
  });

  it('keeps a detail no longer than the first price window change it shows', async () => {
    const { amounts, state, read } = setup();
    const p = product();
    state.nextChangeAt = new Date(Date.now() + 30).toISOString();
    await read(p);
    amounts.A = 90;
    state.nextChangeAt = null;
    await new Promise((r) => setTimeout(r, 50));
    expect((await read(p)).price.variants[0].amount).toBe(90);
  });

  it('asks again after answering without a price block', async () => {
    const { state, read } = setup();
    const p = product();
    state.pricingDown = true;
    expect((await read(p)).price).toBeNull();
    expect((await read(p)).availability).not.toBeNull();
    state.pricingDown = false;
    expect((await read(p)).price.variants[0].amount).toBe(100);
  });

  it('builds one detail per view: channel, locations, currency and the customer group of the token', async () => {
    const { read } = setup();
    const p = product();
    const gold: Principal = { ...web, customer: { id: 'cus_00mwsl5gj03jvyx6t27vbl', group: 'gold' } };
    expect((await read(p, gold)).price).toMatchObject({ customerGroup: 'gold', variants: [{ amount: 80 }, { amount: 160 }] });
    expect((await read(p, web)).price).toMatchObject({ customerGroup: null, variants: [{ amount: 100 }, { amount: 200 }] });
    expect((await read(p, web, { locations: 'true' })).availability.variants[0]).toEqual({ sku: 'A', available: 3, locations: [] });
    expect((await read(p, web)).availability.variants[0]).toEqual({ sku: 'A', available: 3 });
    expect((await read(p, { role: 'admin' })).availability.channel).toBeNull();
    expect((await read(p, web, { currency: 'usd' })).price.currency).toBe('USD');
    await expect(async () => read(p, web, { customerGroup: 'gold' })).rejects.toThrow(/customer token/);
  });

  it('keeps at most DETAIL_CACHE_SIZE details, and none when it is 0', async () => {
    const { details, read } = setup({ DETAIL_CACHE_SIZE: 2 });
    await read(product(), web);
    await read(product(), web, { currency: 'USD' });
    await read(product(), { role: 'admin' });
    expect(details.size).toBe(2);
    const off = setup({ DETAIL_CACHE_SIZE: 0 });
    await off.read(product());
    expect(off.details.size).toBe(0);
  });
});

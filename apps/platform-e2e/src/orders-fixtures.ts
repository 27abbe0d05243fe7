import { ApiClient, waitFor } from '@omnibus/testing';
import { randomBytes } from 'node:crypto';
import { Platform, productBody } from './platform';

/** Channel keys of the orders tests: four self-service channels and staff keys (POS per store, marketplace, phone). */
export const ORDER_API_KEYS = [
  'dev-admin=admin',
  'web-key-0001=channel:web',
  'app-key-0001=channel:app',
  'b2b-key-0001=channel:b2b',
  'mkt-key-0001=channel:marketplace',
  'pos-berlin-key=channel:pos-berlin',
  'pos-hamburg-key=channel:pos-hamburg',
].join(',');

const ADDRESS = { line1: 'Hauptstraße 1', postalCode: '10115', city: 'Berlin', country: 'DE' };
export const SHIP_TO = { name: 'Ann Lee', line1: 'Torstraße 5', postalCode: '10119', city: 'Berlin', country: 'DE' };

export function uniqueKey(prefix = 'k'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** Locations, a price list and helpers for products with a price and stock. */
export class OrderFixtures {
  readonly loc: Record<string, string> = {};
  priceListId = '';

  constructor(private readonly p: Platform) {}

  get admin(): ApiClient {
    return this.p.admin;
  }

  async setUp(): Promise<void> {
    const fromWarehouse = ['web', 'app', 'b2b', 'marketplace', 'phone'];
    await this.location({ code: 'central', name: 'Central warehouse', kind: 'warehouse', address: { ...ADDRESS, city: 'Erfurt' }, geo: { latitude: 50.98, longitude: 11.03 }, channels: fromWarehouse, priority: 1, ships: true });
    await this.location({ code: 'berlin', name: 'Berlin store', kind: 'store', address: ADDRESS, geo: { latitude: 52.52, longitude: 13.4 }, channels: ['web', 'app', 'pos-berlin'], pickup: true, priority: 10 });
    await this.location({ code: 'hamburg', name: 'Hamburg store', kind: 'store', address: { ...ADDRESS, city: 'Hamburg' }, geo: { latitude: 53.55, longitude: 9.99 }, channels: ['web', 'app', 'pos-hamburg'], pickup: true, priority: 10 });
    const list = await this.admin.post('/v1/price-lists', { name: uniqueKey('base'), priority: 0 });
    expect(list.status).toBe(201);
    this.priceListId = list.body.id;
  }

  async location(body: Record<string, unknown>): Promise<void> {
    const res = await this.admin.post('/v1/locations', body);
    expect(res.status).toBe(201);
    this.loc[body['code'] as string] = res.body.id;
  }

  /** A product with one SKU per price given (EUR; null: no price), known to the inventory, with stock per location code. */
  async product(prices: (number | null)[], stock: Record<string, number> = {}): Promise<string[]> {
    const body = productBody({ channels: ['web', 'app', 'b2b', 'marketplace', 'pos-berlin', 'pos-hamburg'] });
    body['variants'] = prices.map((_, i) => ({ sku: `${body['variants'][0].sku}-${i}` }));
    const created = await this.admin.post('/v1/products', body);
    expect(created.status).toBe(201);
    const skus: string[] = created.body.variants.map((v: { sku: string }) => v.sku);
    for (const [i, sku] of skus.entries()) {
      if (prices[i] !== null) {
        const price = await this.admin.post('/v1/prices', { priceListId: this.priceListId, sku, amount: prices[i], currency: 'EUR' });
        expect(price.status).toBe(201);
      }
      await waitFor(`the inventory to know ${sku}`, async () => (await this.admin.get(`/v1/availability/${sku}`)).status === 200);
      for (const [code, onHand] of Object.entries(stock)) {
        const set = await this.admin.request('PUT', `/v1/stock/${this.loc[code]}/${sku}`, { onHand });
        expect(set.status).toBe(200);
      }
    }
    return skus;
  }

  /** Signs a customer up through `key`; `call` sends requests with that key and the customer's token. */
  async customer(key = 'web-key-0001') {
    const email = `${uniqueKey('buyer')}@example.com`;
    const res = await this.admin.as(key).post('/v1/customers/sign-up', { email, password: 'correct horse battery', firstName: 'Ann', lastName: 'Lee' });
    expect(res.status).toBe(201);
    const token: string = res.body.token;
    const id: string = res.body.customer.id;
    const call = <T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, as = key) =>
      this.admin.as(as).request<T>(method, path, body, { authorization: `Bearer ${token}`, ...headers });
    return { id, email, token, call };
  }

  levels(sku: string) {
    return this.p.databases.inventory.query<{ location_id: string; on_hand: number; reserved: number; available: number }>(
      'select location_id, on_hand, reserved, available from stock_levels where sku = $1 order by location_id',
      [sku],
    );
  }

  async level(sku: string, code: string) {
    return (await this.levels(sku)).find((l) => l.location_id === this.loc[code]);
  }
}

/** POST /v1/orders with an Idempotency-Key (a new one unless given). */
export function placeOrder(client: ApiClient, body: Record<string, unknown>, key = uniqueKey('checkout'), headers: Record<string, string> = {}) {
  return client.post('/v1/orders', body, { 'idempotency-key': key, ...headers });
}

import type { Product } from '@omnibus/contracts';
import type { NatsConnection } from 'nats';
import pino from 'pino';
import { PricingConfig } from '../config';
import { PriceCandidate } from '../prices/price-resolution';
import { QuoteDataCache } from './quote-data-cache';
import { QuoteRows, QuotesRepository } from './quotes.repository';

const price = (sku: string, amount: number): PriceCandidate => ({
  id: `prc_${sku}_${amount}`,
  priceListId: 'prl_a',
  priceListName: 'Base',
  priority: 0,
  sku,
  amount,
  currency: 'EUR',
  channel: null,
  customerGroup: null,
  country: null,
  minQuantity: 1,
  validFrom: null,
  validUntil: null,
});

const product = (id: string, version: number, skus: string[], categories: string[]): Product =>
  ({ id, version, status: 'active', categories, attributes: {}, variants: skus.map((sku) => ({ id: `var_${sku}`, sku, attributes: {}, media: [] })) }) as unknown as Product;

/** A database whose answers the test sets, counting the SKUs each read asked for. */
class FakeRepository {
  amounts = new Map<string, number>();
  categories = new Map<string, { productId: string; version: number; categories: string[] }>();
  reads: string[][] = [];
  /** Runs while a read is "on its way", to simulate an event arriving meanwhile. */
  during?: () => void;

  async load(skus: string[]): Promise<QuoteRows> {
    this.reads.push(skus);
    const rows: QuoteRows = { candidates: new Map(), facts: new Map() };
    for (const sku of skus) {
      const amount = this.amounts.get(sku);
      if (amount === undefined) continue;
      rows.candidates.set(sku, [price(sku, amount)]);
      const f = this.categories.get(sku);
      if (f) rows.facts.set(sku, { version: f.version, facts: { productId: f.productId, archived: false, categories: f.categories, attributes: {} } });
    }
    this.during?.();
    this.during = undefined;
    return rows;
  }
}

function setup(ttl = 60_000, size = 1000) {
  const repository = new FakeRepository();
  const cache = new QuoteDataCache(repository as unknown as QuotesRepository, {} as NatsConnection, { QUOTE_CACHE_SIZE: size, QUOTE_CACHE_TTL_MS: ttl } as PricingConfig, pino({ level: 'silent' }));
  const amounts = async (skus: string[]) => (await cache.load(skus, 'EUR', new Date())).candidates.map((c) => c.amount);
  const categoriesOf = async (sku: string) => (await cache.load([sku], 'EUR', new Date())).products.get(sku)?.categories;
  return { repository, cache, amounts, categoriesOf };
}

describe('quote data cache', () => {
  it('reads only the SKUs it does not hold, and remembers SKUs without a price too', async () => {
    const { repository, amounts } = setup();
    repository.amounts.set('A', 100).set('B', 200);
    expect(await amounts(['A', 'B', 'X'])).toEqual([100, 200]);
    expect(await amounts(['A', 'B', 'X', 'C'])).toEqual([100, 200]);
    expect(repository.reads).toEqual([['A', 'B', 'X'], ['C']]);
  });

  it('reads a SKU again after an eviction, and does not store a read an eviction overtook', async () => {
    const { repository, cache, amounts } = setup();
    repository.amounts.set('A', 100);
    await amounts(['A']);
    repository.amounts.set('A', 110);
    cache.evict(['A']);
    // The price changes again while this read is on its way: its answer may predate the change.
    repository.during = () => {
      repository.amounts.set('A', 120);
      cache.evict(['A']);
    };
    expect(await amounts(['A'])).toEqual([110]);
    expect(await amounts(['A'])).toEqual([120]);
    expect(repository.reads).toHaveLength(3);
    cache.clearPrices();
    await amounts(['A']);
    expect(repository.reads).toHaveLength(4);
  });

  it('takes product facts from catalog events over the database copy, never an older version', async () => {
    const { repository, cache, categoriesOf } = setup();
    repository.amounts.set('S', 100);
    repository.categories.set('S', { productId: 'prd_1', version: 1, categories: ['shirts'] });
    expect(await categoriesOf('S')).toEqual(['shirts']);
    cache.applyProduct(product('prd_1', 3, ['S'], ['sale']));
    cache.applyProduct(product('prd_1', 2, ['S'], ['old'])); // late, older: ignored
    expect(await categoriesOf('S')).toEqual(['sale']);
    // A price change re-reads the price; the copy in the database (still version 1) does not win.
    cache.evict(['S']);
    expect(await categoriesOf('S')).toEqual(['sale']);
    // The SKU leaves the product: it belongs to none, whatever the lagging copy says.
    cache.applyProduct(product('prd_1', 4, ['OTHER'], ['sale']));
    expect(await categoriesOf('S')).toBeUndefined();
    // … until another product takes it.
    cache.applyProduct(product('prd_2', 1, ['S'], ['mugs']));
    expect(await categoriesOf('S')).toEqual(['mugs']);
  });

  it('prices a cart larger than the cache completely', async () => {
    const { repository, amounts } = setup(60_000, 2);
    ['A', 'B', 'C', 'D'].forEach((sku, i) => repository.amounts.set(sku, 100 * (i + 1)));
    repository.categories.set('A', { productId: 'prd_1', version: 1, categories: ['shirts'] });
    await amounts(['A', 'B']);
    expect(await amounts(['A', 'B', 'C', 'D'])).toEqual([100, 200, 300, 400]);
    expect(await amounts(['C', 'A'])).toEqual([300, 100]);
  });

  it('uses nothing older than its TTL', async () => {
    const { repository, amounts } = setup(0);
    repository.amounts.set('A', 100);
    await amounts(['A']);
    await new Promise((r) => setTimeout(r, 5));
    await amounts(['A']);
    expect(repository.reads).toHaveLength(2);
  });
});

import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CATALOG_STREAM, EventEnvelope, PriceChangedEventData, PricingEvents, Product, ProductChangedEventData } from '@omnibus/contracts';
import { LOGGER, NATS_CONNECTION, SERVICE_CONFIG } from '@omnibus/service-kit';
import { ConsumerMessages, DeliverPolicy, NatsConnection, Subscription } from 'nats';
import type { Logger } from 'pino';
import { SkuProduct } from '../catalog/catalog-products.service';
import { PricingConfig } from '../config';
import { PriceCandidate } from '../prices/price-resolution';
import { QuoteRows, QuotesRepository } from './quotes.repository';

export interface QuoteData {
  /** The prices of the cart's SKUs in its currency, whatever their scope (resolution filters). */
  candidates: PriceCandidate[];
  /** What is known of the products of the SKUs that have a price. */
  products: Map<string, SkuProduct>;
}

interface PriceEntry {
  candidates: PriceCandidate[];
  storedAt: number;
}

interface FactsEntry {
  /** null: the SKU belongs to no product pricing knows of. */
  facts: SkuProduct | null;
  productId: string | null;
  version: number;
  storedAt: number;
}

/** Products first seen in an event: the event's state, with variant attributes over product ones. */
function factsOf(product: Product, variantAttributes: Product['attributes']): SkuProduct {
  return { productId: product.id, archived: product.status === 'archived', categories: product.categories ?? [], attributes: { ...(product.attributes ?? {}), ...(variantAttributes ?? {}) } };
}

/**
 * What quotes read, in memory: each SKU's prices per currency and what pricing knows of its product, so
 * a quote of cached SKUs costs no SQL. A cart's misses cost one statement.
 *
 * Prices: `pricing.price.changed` evicts the SKU and `pricing.price-list.changed` drops every price (both
 * on every replica); this replica's own writes evict before they answer. A fetch that started before an
 * eviction of its SKU is not stored, so a slow read cannot bring back an old price. Products: the
 * catalog's events, read by each replica through its own ordered JetStream consumer (NATS permissions
 * let a service read another's stream, not subscribe to its subjects), update the facts directly (a
 * newer version of the same product wins), so they never wait for the database copy to catch up; a
 * database read only fills a SKU that has no entry. Missed events cannot leave stale data for long:
 * everything is dropped when the NATS connection drops, and no entry is used past QUOTE_CACHE_TTL_MS.
 * Windows (validFrom, validUntil) are applied at quote time.
 */
@Injectable()
export class QuoteDataCache implements OnModuleInit, OnModuleDestroy {
  private readonly prices = new Map<string, Map<string, PriceEntry>>();
  private readonly facts = new Map<string, FactsEntry>();
  private readonly skusByProduct = new Map<string, Set<string>>();
  /** Counts evictions; each SKU remembers the count at its last eviction. */
  private evictions = 0;
  private readonly evictedAt = new Map<string, number>();
  private clearedAt = 0;
  private readonly subscriptions: Subscription[] = [];
  private catalogEvents?: ConsumerMessages;
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly repository: QuotesRepository,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: PricingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  private get enabled(): boolean {
    return this.config.QUOTE_CACHE_SIZE > 0;
  }

  onModuleInit() {
    if (!this.enabled) return;
    const on = <T>(subject: string, apply: (data: T) => void) =>
      this.subscriptions.push(
        this.nats.subscribe(subject, {
          callback: (err, msg) => {
            if (err) return;
            try {
              apply(msg.json<EventEnvelope<T>>().data);
            } catch (parseError) {
              this.logger.warn({ err: (parseError as Error).message, subject }, 'unreadable event ignored by the quote cache');
            }
          },
        }),
      );
    on<PriceChangedEventData>(PricingEvents.priceChanged, (data) => typeof data?.sku === 'string' && this.evict([data.sku]));
    on<unknown>(PricingEvents.priceListChanged, () => this.clearPrices());
    void this.followCatalog(0);
    void this.watchConnection();
  }

  onModuleDestroy() {
    this.stopped = true;
    clearTimeout(this.retry);
    for (const s of this.subscriptions) s.unsubscribe();
    this.catalogEvents?.stop();
  }

  /** The cart's quote data: from memory, with the misses read in one statement. */
  async load(skus: string[], currency: string, at: Date): Promise<QuoteData> {
    if (!this.enabled) return this.assemble(skus, await this.repository.load(skus, currency, at));
    const now = Date.now();
    // Taken before reading the misses: storing them may push these out of a small cache.
    const prices = new Map<string, PriceCandidate[]>();
    const products = new Map<string, SkuProduct>();
    const missing: string[] = [];
    for (const sku of skus) {
      const entry = this.freshPrices(sku, currency, now);
      if (!entry) {
        missing.push(sku);
        continue;
      }
      prices.set(sku, entry.candidates);
      const facts = this.facts.get(sku)?.facts;
      if (entry.candidates.length && facts) products.set(sku, facts);
    }
    if (missing.length) {
      const startedAt = this.evictions;
      const fetched = await this.repository.load(missing, currency, at);
      const storedAt = Date.now();
      for (const sku of missing) {
        // This quote uses what it read, even when an eviction meanwhile keeps it from being stored.
        const candidates = fetched.candidates.get(sku) ?? [];
        prices.set(sku, candidates);
        this.storePrices(sku, currency, candidates, startedAt, storedAt);
        if (!candidates.length) continue;
        const known = fetched.facts.get(sku);
        this.storeFactsFromDatabase(sku, known ? { facts: known.facts, productId: known.facts.productId, version: known.version, storedAt } : { facts: null, productId: null, version: 0, storedAt });
        // An event newer than the database copy wins here too.
        const facts = this.facts.has(sku) ? this.facts.get(sku)!.facts : (known?.facts ?? null);
        if (facts) products.set(sku, facts);
      }
    }
    return { candidates: skus.flatMap((sku) => prices.get(sku) ?? []), products };
  }

  /** Forgets the prices of these SKUs (every currency); fetches in flight for them are not stored. */
  evict(skus: Iterable<string>): void {
    for (const sku of skus) {
      this.prices.delete(sku);
      this.evictedAt.set(sku, ++this.evictions);
    }
    // Markers only matter to fetches in flight; dropping them all makes those fetches skip storing.
    if (this.evictedAt.size > 10_000) {
      this.evictedAt.clear();
      this.clearedAt = ++this.evictions;
    }
  }

  /** Forgets every price (a list's status, priority or name changed). */
  clearPrices(): void {
    this.prices.clear();
    this.evictedAt.clear();
    this.clearedAt = ++this.evictions;
  }

  /** Takes a product's new state from a catalog event for each of its SKUs. */
  applyProduct(product: Product): void {
    const now = Date.now();
    const skus = new Set((product.variants ?? []).map((v) => v.sku));
    for (const old of this.skusByProduct.get(product.id) ?? []) {
      const entry = this.facts.get(old);
      // A SKU that left the product belongs to no product until an event says otherwise.
      if (!skus.has(old) && entry?.productId === product.id && entry.version < product.version) this.setFacts(old, { facts: null, productId: product.id, version: product.version, storedAt: now });
    }
    for (const variant of product.variants ?? []) {
      const entry = this.facts.get(variant.sku);
      if (entry && entry.productId === product.id && entry.version >= product.version) continue; // an older or repeated event
      this.setFacts(variant.sku, { facts: factsOf(product, variant.attributes), productId: product.id, version: product.version, storedAt: now });
    }
  }

  get size(): { skusWithPrices: number; skusWithFacts: number } {
    return { skusWithPrices: this.prices.size, skusWithFacts: this.facts.size };
  }

  /** The SKU's cached prices in the currency, if they and (for a priced SKU) its product facts are fresh. */
  private freshPrices(sku: string, currency: string, now: number): PriceEntry | undefined {
    const entry = this.prices.get(sku)?.get(currency);
    if (!entry || now - entry.storedAt > this.config.QUOTE_CACHE_TTL_MS) return undefined;
    if (entry.candidates.length === 0) return entry;
    const facts = this.facts.get(sku);
    return facts && now - facts.storedAt <= this.config.QUOTE_CACHE_TTL_MS ? entry : undefined;
  }

  private storePrices(sku: string, currency: string, candidates: PriceCandidate[], fetchStartedAt: number, storedAt: number): void {
    // Evicted while the answer was on its way: it may predate the change.
    if (this.clearedAt > fetchStartedAt || (this.evictedAt.get(sku) ?? 0) > fetchStartedAt) return;
    let byCurrency = this.prices.get(sku);
    if (byCurrency) this.prices.delete(sku); // re-inserted last: the map's order is the order of use
    else byCurrency = new Map();
    byCurrency.set(currency, { candidates, storedAt });
    this.prices.set(sku, byCurrency);
    if (this.prices.size > this.config.QUOTE_CACHE_SIZE) this.prices.delete(this.prices.keys().next().value as string);
  }

  /** A database read only fills a SKU without a current entry: events are newer than the copy. */
  private storeFactsFromDatabase(sku: string, entry: FactsEntry): void {
    const existing = this.facts.get(sku);
    if (existing && entry.storedAt - existing.storedAt <= this.config.QUOTE_CACHE_TTL_MS) return;
    this.setFacts(sku, entry);
  }

  private setFacts(sku: string, entry: FactsEntry): void {
    const previous = this.facts.get(sku);
    if (previous?.productId && previous.productId !== entry.productId) this.skusByProduct.get(previous.productId)?.delete(sku);
    this.facts.delete(sku);
    this.facts.set(sku, entry);
    if (entry.productId) {
      let skus = this.skusByProduct.get(entry.productId);
      if (!skus) this.skusByProduct.set(entry.productId, (skus = new Set()));
      skus.add(sku);
    }
    if (this.facts.size > this.config.QUOTE_CACHE_SIZE) {
      const oldest = this.facts.keys().next().value as string;
      const dropped = this.facts.get(oldest);
      this.facts.delete(oldest);
      if (dropped?.productId) this.skusByProduct.get(dropped.productId)?.delete(oldest);
    }
  }

  private clear(): void {
    this.clearPrices();
    this.facts.clear();
    this.skusByProduct.clear();
  }

  private assemble(skus: string[], rows: QuoteRows): QuoteData {
    const candidates = skus.flatMap((sku) => rows.candidates.get(sku) ?? []);
    const products = new Map<string, SkuProduct>();
    for (const [sku, f] of rows.facts) products.set(sku, f.facts);
    return { candidates, products };
  }

  /** Reads new catalog product events in order; until the catalog's stream exists, retries. */
  private async followCatalog(attempt: number): Promise<void> {
    if (this.stopped) return;
    try {
      const consumer = await this.nats.jetstream().consumers.get(CATALOG_STREAM, { filterSubjects: 'catalog.product.*', deliver_policy: DeliverPolicy.New });
      this.catalogEvents = await consumer.consume();
      attempt = 0;
      for await (const msg of this.catalogEvents) {
        try {
          const product = msg.json<EventEnvelope<ProductChangedEventData>>().data?.product;
          if (product?.id) this.applyProduct(product);
        } catch (parseError) {
          this.logger.warn({ err: (parseError as Error).message, subject: msg.subject }, 'unreadable catalog event ignored by the quote cache');
        }
      }
    } catch (err) {
      if (attempt === 0 || attempt % 10 === 0) this.logger.warn({ err: (err as Error).message }, 'quote cache cannot read catalog events yet (is the catalog running?)');
    }
    if (this.stopped) return;
    this.retry = setTimeout(() => void this.followCatalog(attempt + 1), Math.min(10_000, 500 * 2 ** Math.min(attempt, 5)));
  }

  private async watchConnection() {
    for await (const status of this.nats.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') {
        this.clear();
        this.logger.info({ status: status.type }, 'quote cache emptied: events may have been missed');
      }
    }
  }
}

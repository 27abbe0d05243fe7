import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventEnvelope, PriceChangedEventData, PricingEvents, PricingSubjects, ProductPrice, ResolvedPrice, ResolvedPrices } from '@omnibus/contracts';
import { LOGGER, NATS_CONNECTION, RemoteError, ServiceClient } from '@omnibus/service-kit';
import { NatsConnection, Subscription } from 'nats';
import type { Logger } from 'pino';
import { GatewayConfig } from '../config';
import { GATEWAY_CONFIG, SERVICE_CLIENT } from '../tokens';

/** What a product detail is priced for. */
export interface PriceScope {
  currency: string;
  channel: string | null;
  customerGroup: string | null;
}

interface Entry {
  value: ResolvedPrice;
  expiresAt: number;
}

/** After pricing failed to answer, product details skip it for this long (one probe at a time). */
const BACKOFF_MS = 5000;

function keyOf(sku: string, scope: PriceScope): string {
  return `${sku}\u0000${scope.channel ?? ''}\u0000${scope.currency}\u0000${scope.customerGroup ?? ''}`;
}

/** The `price` block of a product detail from its SKUs' resolved prices. */
export function priceBlock(scope: PriceScope, prices: ResolvedPrice[]): ProductPrice {
  return {
    currency: scope.currency,
    channel: scope.channel,
    customerGroup: scope.customerGroup,
    variants: prices.map((p) => ({ sku: p.sku, amount: p.amount, priceId: p.priceId, priceListId: p.priceListId })),
  };
}

/**
 * Resolved unit prices (quantity 1) per (SKU, channel, currency, customer group) for product details.
 * `pricing.price.changed` evicts that SKU's entries; `pricing.price-list.changed` (a list's status or
 * priority moves many prices at once) and a NATS disconnect empty the cache. An entry lives until
 * PRICE_CACHE_TTL_MS or until the next price window of its SKU opens or closes, whichever is first. A
 * fetch that started before an eviction of its SKU is not stored, so a slow answer cannot bring back an
 * old price. Misses of one product are fetched in one request.
 */
@Injectable()
export class PriceCache implements OnModuleInit, OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();
  private readonly keysBySku = new Map<string, Set<string>>();
  /** Counts evictions; each SKU remembers the count at its last eviction. */
  private evictions = 0;
  private readonly evictedAt = new Map<string, number>();
  private clearedAt = 0;
  private readonly subscriptions: Subscription[] = [];
  private unavailableUntil = 0;
  private probing = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(SERVICE_CLIENT) private readonly services: ServiceClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit() {
    if (this.config.PRICE_CACHE_SIZE === 0) return;
    this.subscriptions.push(
      this.nats.subscribe(PricingEvents.priceChanged, {
        callback: (err, msg) => {
          if (err) return;
          try {
            const sku = msg.json<EventEnvelope<PriceChangedEventData>>().data?.sku;
            if (typeof sku === 'string') this.evict(sku);
          } catch (parseError) {
            this.logger.warn({ err: (parseError as Error).message }, 'unreadable price event ignored');
          }
        },
      }),
      this.nats.subscribe(PricingEvents.priceListChanged, { callback: (err) => !err && this.clear() }),
    );
    void this.watchConnection();
  }

  onModuleDestroy() {
    for (const s of this.subscriptions) s.unsubscribe();
  }

  /** Each SKU's resolved price, from the cache or one batched request; null when pricing is unavailable. */
  async get(skus: string[], scope: PriceScope): Promise<ResolvedPrice[] | null> {
    const now = Date.now();
    const found = new Map<string, ResolvedPrice>();
    const missing: string[] = [];
    for (const sku of skus) {
      const hit = this.lookup(keyOf(sku, scope), now);
      if (hit) found.set(sku, hit);
      else missing.push(sku);
    }
    if (missing.length === 0) return skus.map((s) => found.get(s)!);
    if (now < this.unavailableUntil) {
      if (this.probing) return null;
      this.probing = true; // one request finds out whether pricing is back
    }
    try {
      const startedAt = this.evictions;
      const reply = await this.services.request<ResolvedPrices>(
        PricingSubjects.resolvePrices,
        { skus: missing, currency: scope.currency, ...(scope.channel ? { channel: scope.channel } : {}), ...(scope.customerGroup ? { customerGroup: scope.customerGroup } : {}) },
        this.config.PRICE_TIMEOUT_MS,
      );
      const expiresAt = Math.min(Date.now() + this.config.PRICE_CACHE_TTL_MS, reply.nextChangeAt ? Date.parse(reply.nextChangeAt) : Infinity);
      for (const price of reply.prices) {
        found.set(price.sku, price);
        this.store(price, scope, expiresAt, startedAt);
      }
      this.unavailableUntil = 0;
      return skus.map((s) => found.get(s) ?? { sku: s, amount: null, priceId: null, priceListId: null });
    } catch (err) {
      if (!(err instanceof RemoteError)) throw err;
      // A product detail still answers without its price block, whatever went wrong in pricing.
      this.unavailableUntil = Date.now() + BACKOFF_MS;
      this.logger.warn({ err: err.message, code: err.body.code }, 'product details answered without a price: pricing did not answer');
      return null;
    } finally {
      this.probing = false;
    }
  }

  /** Forgets every cached price of a SKU. */
  evict(sku: string): void {
    for (const key of this.keysBySku.get(sku) ?? []) this.entries.delete(key);
    this.keysBySku.delete(sku);
    this.evictedAt.set(sku, ++this.evictions);
    // Markers only matter to fetches in flight; dropping them all makes those fetches skip storing.
    if (this.evictedAt.size > 10_000) {
      this.evictedAt.clear();
      this.clearedAt = this.evictions;
    }
  }

  clear(): void {
    this.entries.clear();
    this.keysBySku.clear();
    this.evictedAt.clear();
    this.clearedAt = ++this.evictions;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * A number that grows whenever a cached price of one of these SKUs may have changed (an eviction of
   * one of them, or a clear): what was built from their prices is current while it stays the same.
   */
  stamp(skus: readonly string[]): number {
    let stamp = this.clearedAt;
    for (const sku of skus) {
      const at = this.evictedAt.get(sku);
      if (at !== undefined && at > stamp) stamp = at;
    }
    return stamp;
  }

  /** The cached price of a SKU and until when it may be shown, without fetching. */
  cached(sku: string, scope: PriceScope): { value: ResolvedPrice; expiresAt: number } | undefined {
    return this.entries.get(keyOf(sku, scope));
  }

  private lookup(key: string, now: number): ResolvedPrice | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  private store(value: ResolvedPrice, scope: PriceScope, expiresAt: number, fetchStartedAt: number): void {
    if (this.config.PRICE_CACHE_SIZE === 0) return;
    // Evicted while the answer was on its way: it may predate the change.
    if (this.clearedAt > fetchStartedAt || (this.evictedAt.get(value.sku) ?? 0) > fetchStartedAt) return;
    const key = keyOf(value.sku, scope);
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    let keys = this.keysBySku.get(value.sku);
    if (!keys) this.keysBySku.set(value.sku, (keys = new Set()));
    keys.add(key);
    if (this.entries.size > this.config.PRICE_CACHE_SIZE) {
      // Map keeps insertion order: the first key is the least recently stored.
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      const sku = oldest.slice(0, oldest.indexOf('\u0000'));
      this.keysBySku.get(sku)?.delete(oldest);
      if (this.keysBySku.get(sku)?.size === 0) this.keysBySku.delete(sku);
    }
  }

  private async watchConnection() {
    for await (const status of this.nats.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') {
        this.clear();
        this.logger.info({ status: status.type }, 'price cache emptied: events may have been missed');
      }
    }
  }
}

import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import {
  BatchAvailabilityReply,
  EventEnvelope,
  InventoryEvents,
  InventorySubjects,
  Product,
  ProductAvailability,
  SkuAvailability,
  StockChangedEventData,
} from '@omnibus/contracts';
import { LOGGER, NATS_CONNECTION, RemoteError, ServiceClient } from '@omnibus/service-kit';
import { NatsConnection, Subscription } from 'nats';
import type { Logger } from 'pino';
import { Principal } from '../auth/api-keys';
import { GatewayConfig } from '../config';
import { GATEWAY_CONFIG, SERVICE_CLIENT } from '../tokens';

interface Entry {
  value: SkuAvailability;
  storedAt: number;
}

/** After the inventory failed to answer, product details skip it for this long (one probe at a time). */
const BACKOFF_MS = 5000;
const ALL_LOCATIONS = '*';

/** What a channel key may see of a per-location figure: available, not on hand or reserved. */
export function forPrincipal(value: SkuAvailability, principal: Principal): SkuAvailability {
  if (principal.role === 'admin') return value;
  return { ...value, locations: value.locations.map(({ onHand: _onHand, reserved: _reserved, ...rest }) => rest) };
}

/** The `availability` block of a product detail from per-SKU availabilities. */
export function productAvailability(product: Product, channel: string | null, items: SkuAvailability[], withLocations: boolean): ProductAvailability {
  const bySku = new Map(items.map((i) => [i.sku, i]));
  return {
    channel,
    variants: product.variants.map((v) => {
      const item = bySku.get(v.sku);
      return { sku: v.sku, available: item?.available ?? 0, ...(withLocations ? { locations: item?.locations ?? [] } : {}) };
    }),
  };
}

/**
 * Availability per (SKU, channel) for product details, the hottest read of every channel. Entries
 * are evicted by `inventory.stock.changed` (that SKU, every channel) and dropped entirely on location
 * changes or a NATS disconnect (events may have been missed); none is served past its TTL. A fetch
 * that started before its SKU was evicted is not stored, so a slow answer cannot bring back old figures.
 * Misses of one product are fetched in one batched request; identical concurrent misses share it.
 */
@Injectable()
export class AvailabilityCache implements OnModuleInit, OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();
  private readonly channels = new Set<string>([ALL_LOCATIONS]);
  /** When each SKU was last evicted (pruned as it ages beyond any fetch in flight). */
  private readonly evictedAt = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<SkuAvailability[]>>();
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
    if (this.config.AVAILABILITY_CACHE_SIZE === 0) return;
    this.subscriptions.push(
      this.nats.subscribe(InventoryEvents.stockChanged, {
        callback: (err, msg) => {
          if (err) return;
          try {
            const sku = msg.json<EventEnvelope<StockChangedEventData>>().data?.sku;
            if (typeof sku === 'string') this.evict(sku);
          } catch (parseError) {
            this.logger.warn({ err: (parseError as Error).message }, 'unreadable stock event ignored');
          }
        },
      }),
    );
    // A location that starts or stops supplying a channel changes the totals of every SKU there.
    for (const subject of [InventoryEvents.locationCreated, InventoryEvents.locationUpdated]) {
      this.subscriptions.push(this.nats.subscribe(subject, { callback: (err) => !err && this.clear() }));
    }
    void this.watchConnection();
  }

  onModuleDestroy() {
    for (const s of this.subscriptions) s.unsubscribe();
  }

  /** The product's availability for the caller; null when the inventory does not answer in time. */
  async forProduct(product: Product, principal: Principal, withLocations: boolean): Promise<ProductAvailability | null> {
    const channel = principal.role === 'channel' ? (principal.channel ?? null) : null;
    const skus = product.variants.map((v) => v.sku);
    const items = skus.length ? await this.get(skus, channel) : [];
    if (!items) return null;
    return productAvailability(product, channel, items.map((i) => forPrincipal(i, principal)), withLocations || principal.role === 'admin');
  }

  /** Availability of each SKU for `channel` (null = every active location), from the cache or one request. */
  async get(skus: string[], channel: string | null): Promise<SkuAvailability[] | null> {
    const now = Date.now();
    const found = new Map<string, SkuAvailability>();
    const missing: string[] = [];
    for (const sku of skus) {
      const hit = this.lookup(sku, channel, now);
      if (hit) found.set(sku, hit);
      else missing.push(sku);
    }
    if (missing.length === 0) return skus.map((s) => found.get(s) as SkuAvailability);
    const probe = this.unavailableUntil > 0;
    if (probe) {
      // After a failure: nobody waits during the pause, then one request finds out whether it is back.
      if (now < this.unavailableUntil || this.probing) return null;
      this.probing = true;
    }
    try {
      for (const item of await this.fetch(missing, channel)) found.set(item.sku, item);
      this.unavailableUntil = 0;
      return skus.map((s) => found.get(s) ?? { sku: s, channel, available: 0, locations: [] });
    } catch (err) {
      if (!(err instanceof RemoteError)) throw err;
      this.unavailableUntil = Date.now() + BACKOFF_MS;
      this.logger.warn({ err: err.message }, 'product details answered without availability: the inventory did not answer');
      return null;
    } finally {
      if (probe) this.probing = false;
    }
  }

  /** Forgets every channel's figures of a SKU. */
  evict(sku: string): void {
    const now = Date.now();
    for (const channel of this.channels) this.entries.delete(`${channel}\u0000${sku}`);
    this.evictedAt.set(sku, now);
    if (this.evictedAt.size > 10_000) {
      // Older than any fetch still in flight: they can no longer matter.
      const horizon = now - 2 * this.config.AVAILABILITY_TIMEOUT_MS - 1000;
      for (const [s, at] of this.evictedAt) if (at < horizon) this.evictedAt.delete(s);
    }
  }

  clear(): void {
    this.entries.clear();
    const now = Date.now();
    // Everything fetched before now is suspect: a marker per known SKU is not needed, a global one is.
    this.evictedAt.set(ALL_LOCATIONS, now);
  }

  get size(): number {
    return this.entries.size;
  }

  private lookup(sku: string, channel: string | null, now: number): SkuAvailability | undefined {
    const key = `${channel ?? ALL_LOCATIONS}\u0000${sku}`;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now - entry.storedAt > this.config.AVAILABILITY_CACHE_TTL_MS) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  private fetch(skus: string[], channel: string | null): Promise<SkuAvailability[]> {
    const flightKey = `${channel ?? ALL_LOCATIONS}\u0000${skus.join('\u0000')}`;
    let flight = this.inFlight.get(flightKey);
    if (!flight) {
      const startedAt = Date.now();
      flight = this.services
        .request<BatchAvailabilityReply>(InventorySubjects.batchAvailability, { skus, ...(channel ? { channel } : {}) }, this.config.AVAILABILITY_TIMEOUT_MS)
        .then((reply) => {
          for (const item of reply.items) this.store(item, channel, startedAt);
          return reply.items;
        })
        .finally(() => this.inFlight.delete(flightKey));
      this.inFlight.set(flightKey, flight);
    }
    return flight;
  }

  private store(value: SkuAvailability, channel: string | null, fetchStartedAt: number): void {
    if (this.config.AVAILABILITY_CACHE_SIZE === 0) return;
    // Evicted while the answer was on its way: it may predate the change.
    if ((this.evictedAt.get(value.sku) ?? 0) >= fetchStartedAt || (this.evictedAt.get(ALL_LOCATIONS) ?? 0) >= fetchStartedAt) return;
    const channelKey = channel ?? ALL_LOCATIONS;
    this.channels.add(channelKey);
    const key = `${channelKey}\u0000${value.sku}`;
    this.entries.delete(key);
    this.entries.set(key, { value, storedAt: Date.now() });
    if (this.entries.size > this.config.AVAILABILITY_CACHE_SIZE) this.entries.delete(this.entries.keys().next().value as string);
  }

  private async watchConnection() {
    for await (const status of this.nats.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') {
        this.clear();
        this.logger.info({ status: status.type }, 'availability cache emptied: events may have been missed');
      }
    }
  }
}

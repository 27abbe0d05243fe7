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
  /** Counts evictions; each SKU remembers the count at its last eviction, `clearedAt` the last clear. */
  private evictions = 0;
  private readonly evictedAt = new Map<string, number>();
  private clearedAt = 0;
  private readonly inFlight = new Map<string, { startedAt: number; items: Promise<SkuAvailability[]> }>();
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
    for (const channel of this.channels) this.entries.delete(`${channel}\u0000${sku}`);
    this.evictedAt.set(sku, ++this.evictions);
    // Markers only matter to fetches in flight; dropping them all makes those fetches skip storing.
    if (this.evictedAt.size > 10_000) {
      this.evictedAt.clear();
      this.clearedAt = this.evictions;
    }
  }

  clear(): void {
    this.entries.clear();
    // Everything fetched before now is suspect: a marker per known SKU is not needed, a global one is.
    this.clearedAt = ++this.evictions;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * A number that grows whenever cached figures of one of these SKUs may have changed (an eviction of
   * one of them, or a clear): what was built from their figures is current while it stays the same.
   */
  stamp(skus: readonly string[]): number {
    let stamp = this.clearedAt;
    for (const sku of skus) {
      const at = this.evictedAt.get(sku);
      if (at !== undefined && at > stamp) stamp = at;
    }
    return stamp;
  }

  /** The cached figures of a SKU for `channel` and when they were stored, without fetching. */
  cached(sku: string, channel: string | null): { value: SkuAvailability; storedAt: number } | undefined {
    return this.entries.get(`${channel ?? ALL_LOCATIONS}\u0000${sku}`);
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
    const joined = this.inFlight.get(flightKey);
    // A fetch that started before one of its SKUs changed may bring old figures: only later ones are shared.
    if (joined && this.stamp(skus) <= joined.startedAt) return joined.items;
    const startedAt = this.evictions;
    const flight = {
      startedAt,
      items: this.services
        .request<BatchAvailabilityReply>(InventorySubjects.batchAvailability, { skus, ...(channel ? { channel } : {}) }, this.config.AVAILABILITY_TIMEOUT_MS)
        .then((reply) => {
          for (const item of reply.items) this.store(item, channel, startedAt);
          return reply.items;
        })
        .finally(() => {
          if (this.inFlight.get(flightKey) === flight) this.inFlight.delete(flightKey);
        }),
    };
    this.inFlight.set(flightKey, flight);
    return flight.items;
  }

  private store(value: SkuAvailability, channel: string | null, fetchStartedAt: number): void {
    if (this.config.AVAILABILITY_CACHE_SIZE === 0) return;
    // Evicted while the answer was on its way: it may predate the change.
    if (this.clearedAt > fetchStartedAt || (this.evictedAt.get(value.sku) ?? 0) > fetchStartedAt) return;
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

import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CatalogEvents, EventEnvelope, Product, ProductChangedEventData } from '@omnibus/contracts';
import { LOGGER, NATS_CONNECTION } from '@omnibus/service-kit';
import { NatsConnection, Subscription } from 'nats';
import type { Logger } from 'pino';
import { GATEWAY_CONFIG } from '../tokens';
import { GatewayConfig } from '../config';

interface Entry {
  product: Product;
  storedAt: number;
}

/**
 * Products by id, kept fresh by the catalog's product events, so hot reads skip the NATS hop and the
 * database. A newer version is never replaced by an older one (a slow fetch racing an event). Missed
 * events cannot leave stale data for long: the cache is emptied whenever the NATS connection drops,
 * and an entry older than the TTL is fetched again.
 */
@Injectable()
export class ProductCache implements OnModuleInit, OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();
  private readonly subscriptions: Subscription[] = [];

  constructor(
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit() {
    if (this.config.PRODUCT_CACHE_SIZE === 0) return;
    // Exact subjects: `catalog.product.*` would also match the catalog's request subjects.
    for (const subject of Object.values(CatalogEvents)) {
      this.subscriptions.push(
        this.nats.subscribe(subject, {
          callback: (err, msg) => {
            if (err) return;
            try {
              const event = msg.json<EventEnvelope<ProductChangedEventData>>();
              if (event.data?.product?.id) this.put(event.data.product);
            } catch (parseError) {
              this.logger.warn({ err: (parseError as Error).message, subject }, 'unreadable product event ignored');
            }
          },
        }),
      );
    }
    void this.watchConnection();
  }

  onModuleDestroy() {
    for (const s of this.subscriptions) s.unsubscribe();
  }

  get(id: string): Product | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (Date.now() - entry.storedAt > this.config.PRODUCT_CACHE_TTL_MS) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.product;
  }

  /** Stores a product unless a newer version is already cached. */
  put(product: Product): void {
    if (this.config.PRODUCT_CACHE_SIZE === 0) return;
    const existing = this.entries.get(product.id);
    if (existing && existing.product.version > product.version) return;
    this.entries.delete(product.id);
    this.entries.set(product.id, { product, storedAt: Date.now() });
    // Map keeps insertion order: the first key is the least recently stored.
    if (this.entries.size > this.config.PRODUCT_CACHE_SIZE) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** Drops the cached copy when it is older than `version`: a write whose reply holds no product (bulk upserts). */
  forgetOlderThan(id: string, version: number): void {
    const entry = this.entries.get(id);
    if (entry && entry.product.version < version) this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  private async watchConnection() {
    for await (const status of this.nats.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') {
        this.entries.clear();
        this.logger.info({ status: status.type }, 'product cache emptied: events may have been missed');
      }
    }
  }
}

import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CATALOG_STREAM, EventEnvelope, ProductChangedEventData } from '@omnibus/contracts';
import { EventConsumers, LOGGER, Transaction } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { SkusRepository } from './skus.repository';

export const CATALOG_PRODUCTS_DURABLE = 'inventory-catalog-products';

/**
 * Keeps the inventory's copy of the SKUs the catalog knows, from `catalog.product.*` events. An event
 * older than the stored version of its product is ignored; a SKU removed from a product is forgotten.
 */
@Injectable()
export class CatalogProductsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly consumers: EventConsumers,
    private readonly skus: SkusRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    void this.start(1);
  }

  onApplicationShutdown() {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  /** Applies one product event in the consumer's transaction (the inbox row is written in it too). */
  async apply(event: EventEnvelope, tx: Transaction): Promise<void> {
    const product = (event.data as ProductChangedEventData | undefined)?.product;
    if (!product?.id || !Number.isInteger(product.version)) throw new Error(`${event.type} ${event.id} carries no product with a version`);
    const newer = await this.skus.recordProductVersion(tx, product.id, product.status, product.version);
    if (!newer) return;
    await this.skus.replaceProductSkus(tx, product.id, product.status, product.version, (product.variants ?? []).map((v) => v.sku));
  }

  // The catalog may start after us: until its stream exists, try again every few seconds.
  private async start(attempt: number): Promise<void> {
    if (this.stopped) return;
    try {
      await this.consumers.start({
        stream: CATALOG_STREAM,
        durable: CATALOG_PRODUCTS_DURABLE,
        filterSubject: 'catalog.product.*',
        handle: (event, tx) => this.apply(event, tx),
      });
      this.logger.info({ consumer: CATALOG_PRODUCTS_DURABLE }, 'following catalog product events');
    } catch (err) {
      const level = attempt === 1 || attempt % 20 === 0 ? 'warn' : 'debug';
      this.logger[level]({ err: (err as Error).message, attempt }, 'cannot follow catalog product events yet, retrying');
      this.retry = setTimeout(() => void this.start(attempt + 1), Math.min(5000, 250 * attempt));
    }
  }
}

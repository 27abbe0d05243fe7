import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CATALOG_STREAM, EventEnvelope, ProductChangedEventData } from '@omnibus/contracts';
import { EventConsumers, LOGGER } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { CatalogProductsService } from './catalog-products.service';

export const CATALOG_CONSUMER = 'pricing-catalog-products';

/**
 * Consumes `catalog.product.*` into pricing's product copy (inbox-deduped, applied in the inbox's
 * transaction). The catalog may start after pricing: until its stream exists, starting is retried.
 */
@Injectable()
export class CatalogProductsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly consumers: EventConsumers,
    private readonly products: CatalogProductsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    void this.start(0);
  }

  onApplicationShutdown() {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  private async start(attempt: number): Promise<void> {
    if (this.stopped) return;
    try {
      await this.consumers.start({
        stream: CATALOG_STREAM,
        durable: CATALOG_CONSUMER,
        filterSubject: 'catalog.product.*',
        handle: async (event: EventEnvelope<ProductChangedEventData>, tx) => {
          if (event.version !== 1) throw new Error(`unknown version ${event.version} of ${event.type}`);
          if (event.data?.product?.id) await this.products.apply(tx, event.data.product);
        },
      });
      this.logger.info({ consumer: CATALOG_CONSUMER }, 'consuming catalog product events');
    } catch (err) {
      const delay = Math.min(10_000, 500 * 2 ** Math.min(attempt, 5));
      if (attempt === 0 || attempt % 10 === 0) this.logger.warn({ err: (err as Error).message, retryInMs: delay }, 'cannot consume catalog events yet (is the catalog running?)');
      this.retry = setTimeout(() => void this.start(attempt + 1), delay);
    }
  }
}

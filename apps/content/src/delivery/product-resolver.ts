import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { CatalogSubjects, Product, ResolvedProductRef } from '@omnibus/contracts';
import { LOGGER, RemoteError, ServiceClient } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { CONTENT_CONFIG, ContentConfig } from '../config';

/** The NATS client delivery asks the catalog with. */
export const CATALOG_CLIENT = Symbol('CATALOG_CLIENT');

/** Most distinct products resolved for one response; the rest stay unresolved. */
export const MAX_RESOLVED_PER_RESPONSE = 200;

/** Resolves product references through the catalog, as the asking channel may see the products. */
@Injectable()
export class ProductResolver implements OnApplicationShutdown {
  constructor(
    @Inject(CATALOG_CLIENT) private readonly catalog: ServiceClient,
    @Inject(CONTENT_CONFIG) private readonly config: ContentConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * One request per distinct SKU, all at once. A product the channel may not see (not active, not
   * sold in the channel, or unknown) is `not-available`: the channel is not told which.
   */
  async resolve(skus: string[], channel: string | undefined): Promise<Map<string, ResolvedProductRef>> {
    const asked = skus.slice(0, MAX_RESOLVED_PER_RESPONSE);
    const results = await Promise.all(asked.map((sku) => this.one(sku, channel)));
    const resolved = new Map(results.map((r) => [r.sku, r]));
    for (const sku of skus.slice(MAX_RESOLVED_PER_RESPONSE)) resolved.set(sku, { sku, product: null, unresolved: 'too-many-references' });
    const unavailable = results.filter((r) => r.unresolved === 'catalog-unavailable').length;
    if (unavailable) this.logger.warn({ unavailable, asked: asked.length }, 'catalog did not answer for some product references');
    return resolved;
  }

  private async one(sku: string, channel: string | undefined): Promise<ResolvedProductRef> {
    try {
      const product = await this.catalog.request<Product>(CatalogSubjects.getProduct, { sku }, this.config.PRODUCT_RESOLVE_TIMEOUT_MS);
      if (channel !== undefined && !(product.status === 'active' && product.channels.includes(channel))) return { sku, product: null, unresolved: 'not-available' };
      return { sku, product };
    } catch (err) {
      if (err instanceof RemoteError && err.body.code === 'NOT_FOUND') return { sku, product: null, unresolved: channel === undefined ? 'not-found' : 'not-available' };
      return { sku, product: null, unresolved: 'catalog-unavailable' };
    }
  }

  async onApplicationShutdown() {
    await this.catalog.close();
  }
}

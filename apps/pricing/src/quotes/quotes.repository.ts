import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, DatabaseHandle } from '@omnibus/service-kit';
import { and, eq, sql } from 'drizzle-orm';
import { catalogProducts, catalogVariants } from '../catalog/catalog-products.schema';
import { SkuProduct } from '../catalog/catalog-products.service';
import { PriceCandidate } from '../prices/price-resolution';
import { priceLists, prices } from '../prices/prices.schema';

/** What pricing's copy of the catalog says about a SKU's product, with the product version it came from. */
export interface VersionedFacts {
  facts: SkuProduct;
  version: number;
}

export interface QuoteRows {
  /** Every price of each SKU in the currency from active lists that has not expired, whatever its scope. */
  candidates: Map<string, PriceCandidate[]>;
  /** The product of each SKU that has a price, when pricing knows it. */
  facts: Map<string, VersionedFacts>;
}

/**
 * The one statement a quote's cache misses cost: the prices of the SKUs, each with what pricing knows
 * of its product (categories, attributes, status). It reads the price and catalog-copy tables together
 * on purpose: one round trip instead of two on the hottest path.
 */
@Injectable()
export class QuotesRepository {
  private query?: ReturnType<QuotesRepository['prepare']>;

  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  async load(skus: string[], currency: string, at: Date): Promise<QuoteRows> {
    this.query ??= this.prepare();
    const rows = await this.query.execute({ skus, currency, at: at.toISOString() });
    const candidates = new Map<string, PriceCandidate[]>();
    const facts = new Map<string, VersionedFacts>();
    for (const r of rows) {
      const candidate: PriceCandidate = {
        id: r.id,
        priceListId: r.priceListId,
        priceListName: r.priceListName,
        priority: r.priority,
        sku: r.sku,
        amount: Number(r.amount),
        currency: r.currency,
        channel: r.channel,
        customerGroup: r.customerGroup,
        country: r.country,
        minQuantity: r.minQuantity,
        validFrom: r.validFrom ? new Date(r.validFrom) : null,
        validUntil: r.validUntil ? new Date(r.validUntil) : null,
      };
      const list = candidates.get(r.sku);
      if (list) list.push(candidate);
      else candidates.set(r.sku, [candidate]);
      if (r.productId && r.productVersion !== null && !facts.has(r.sku)) {
        facts.set(r.sku, {
          version: r.productVersion,
          facts: {
            productId: r.productId,
            archived: r.productStatus === 'archived',
            categories: r.categories ?? [],
            attributes: { ...(r.productAttributes ?? {}), ...(r.variantAttributes ?? {}) },
          },
        });
      }
    }
    return { candidates, facts };
  }

  private prepare() {
    return this.database.db
      .select({
        id: prices.id,
        priceListId: prices.priceListId,
        priceListName: priceLists.name,
        priority: priceLists.priority,
        sku: prices.sku,
        amount: prices.amount,
        currency: prices.currency,
        channel: prices.channel,
        customerGroup: prices.customerGroup,
        country: prices.country,
        minQuantity: prices.minQuantity,
        validFrom: prices.validFrom,
        validUntil: prices.validUntil,
        productId: catalogVariants.productId,
        productVersion: catalogProducts.version,
        productStatus: catalogProducts.status,
        categories: catalogProducts.categories,
        productAttributes: catalogProducts.attributes,
        variantAttributes: catalogVariants.attributes,
      })
      .from(prices)
      .innerJoin(priceLists, eq(priceLists.id, prices.priceListId))
      .leftJoin(catalogVariants, eq(catalogVariants.sku, prices.sku))
      .leftJoin(catalogProducts, eq(catalogProducts.productId, catalogVariants.productId))
      .where(
        and(
          sql`${prices.sku} = any(${sql.placeholder('skus')}::text[])`,
          sql`${prices.currency} = ${sql.placeholder('currency')}`,
          sql`${priceLists.status} = 'active'`,
          sql`(${prices.validUntil} is null or ${prices.validUntil} > ${sql.placeholder('at')}::timestamptz)`,
        ),
      )
      .prepare('pricing_quote_rows');
  }
}

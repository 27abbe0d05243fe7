import { Inject, Injectable } from '@nestjs/common';
import type { Attributes, ProductStatus } from '@omnibus/contracts';
import { DATABASE, DatabaseHandle, Queryable } from '@omnibus/service-kit';
import { eq, sql } from 'drizzle-orm';
import { catalogProducts, catalogVariants } from './catalog-products.schema';

/** The only place that queries pricing's copy of catalog products. */
@Injectable()
export class CatalogProductsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  async versionOf(tx: Queryable, productId: string): Promise<number | null> {
    const rows = await tx.select({ version: catalogProducts.version }).from(catalogProducts).where(eq(catalogProducts.productId, productId)).for('update');
    return rows[0]?.version ?? null;
  }

  /** Replaces the stored copy of one product and its variants' SKUs. */
  async replace(
    tx: Queryable,
    product: { productId: string; status: ProductStatus; categories: string[]; attributes: Attributes; version: number },
    variants: { sku: string; attributes: Attributes }[],
  ): Promise<void> {
    await tx
      .insert(catalogProducts)
      .values(product)
      .onConflictDoUpdate({ target: catalogProducts.productId, set: { status: product.status, categories: product.categories, attributes: product.attributes, version: product.version } });
    await tx.delete(catalogVariants).where(eq(catalogVariants.productId, product.productId));
    if (variants.length) {
      // A SKU moved from another product belongs to this one now.
      await tx
        .insert(catalogVariants)
        .values(variants.map((v) => ({ sku: v.sku, productId: product.productId, attributes: v.attributes })))
        .onConflictDoUpdate({ target: catalogVariants.sku, set: { productId: sql`excluded.product_id`, attributes: sql`excluded.attributes` } });
    }
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { Product } from '@omnibus/contracts';
import { DATABASE, DatabaseHandle, Queryable } from '@omnibus/service-kit';
import { SQL, and, arrayContains, asc, eq, gt, ilike, inArray, sql } from 'drizzle-orm';
import { ProductRow, VariantRow, products, variants } from './products.schema';

export interface ProductFilter {
  category?: string;
  status?: string;
  channel?: string;
  q?: string;
  afterId?: string;
  limit: number;
}

/** The only place that queries the catalog's tables. */
@Injectable()
export class ProductsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  async insert(tx: Queryable, product: ProductRow, variantRows: VariantRow[]): Promise<void> {
    await tx.insert(products).values(product);
    if (variantRows.length) await tx.insert(variants).values(variantRows);
  }

  /** Applies `changes` only when the stored version is `expectedVersion`; null when it is not. */
  async updateIfVersion(tx: Queryable, id: string, expectedVersion: number, changes: Partial<ProductRow>): Promise<ProductRow | null> {
    const rows = await tx
      .update(products)
      .set({ ...changes, version: sql`${products.version} + 1`, updatedAt: new Date() })
      .where(and(eq(products.id, id), eq(products.version, expectedVersion)))
      .returning();
    return rows[0] ?? null;
  }

  async versionOf(tx: Queryable, id: string): Promise<number | null> {
    const rows = await tx.select({ version: products.version }).from(products).where(eq(products.id, id));
    return rows[0]?.version ?? null;
  }

  async variantsOf(tx: Queryable, productIds: string[]): Promise<VariantRow[]> {
    if (productIds.length === 0) return [];
    return tx.select().from(variants).where(inArray(variants.productId, productIds)).orderBy(asc(variants.productId), asc(variants.position));
  }

  /** Replaces the product's variants, keeping the id of each SKU that stays. */
  async replaceVariants(tx: Queryable, productId: string, next: VariantRow[]): Promise<void> {
    await tx.delete(variants).where(eq(variants.productId, productId));
    if (next.length) await tx.insert(variants).values(next);
  }

  /** The products with these slugs and their variants, locked until the transaction ends (bulk upserts). */
  async lockBySlugs(tx: Queryable, slugs: string[]): Promise<Map<string, { row: ProductRow; variants: VariantRow[] }>> {
    const found = new Map<string, { row: ProductRow; variants: VariantRow[] }>();
    if (slugs.length === 0) return found;
    const rows = await tx.select().from(products).where(inArray(products.slug, slugs)).orderBy(asc(products.id)).for('update');
    const allVariants = await this.variantsOf(tx, rows.map((r) => r.id));
    for (const row of rows) found.set(row.slug, { row, variants: allVariants.filter((v) => v.productId === row.id) });
    return found;
  }

  async findOne(tx: Queryable, by: { id?: string; slug?: string; sku?: string }): Promise<Product | null> {
    let where: SQL | undefined;
    if (by.id) where = eq(products.id, by.id);
    else if (by.slug) where = eq(products.slug, by.slug);
    else if (by.sku) where = sql`${products.id} = (select ${variants.productId} from ${variants} where ${variants.sku} = ${by.sku})`;
    const rows = await tx.select().from(products).where(where);
    if (!rows[0]) return null;
    return toProduct(rows[0], await this.variantsOf(tx, [rows[0].id]));
  }

  async list(tx: Queryable, filter: ProductFilter): Promise<Product[]> {
    const conditions: SQL[] = [];
    if (filter.category) conditions.push(arrayContains(products.categories, [filter.category]));
    if (filter.channel) conditions.push(arrayContains(products.channels, [filter.channel]));
    if (filter.status) conditions.push(eq(products.status, filter.status as ProductRow['status']));
    if (filter.q) conditions.push(ilike(products.searchText, `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
    if (filter.afterId) conditions.push(gt(products.id, filter.afterId));
    const rows = await tx
      .select()
      .from(products)
      .where(and(...conditions))
      .orderBy(asc(products.id))
      .limit(filter.limit);
    const allVariants = await this.variantsOf(tx, rows.map((r) => r.id));
    return rows.map((r) => toProduct(r, allVariants.filter((v) => v.productId === r.id)));
  }
}

export function toProduct(row: ProductRow, variantRows: VariantRow[]): Product {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    status: row.status,
    categories: row.categories,
    channels: row.channels,
    attributes: row.attributes,
    media: row.media,
    variants: variantRows.map((v) => ({ id: v.id, sku: v.sku, attributes: v.attributes, media: v.media })),
    version: row.version,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

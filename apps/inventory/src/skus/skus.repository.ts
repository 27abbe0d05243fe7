import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, DatabaseHandle, Queryable, queryRows } from '@omnibus/service-kit';
import { sql } from 'drizzle-orm';

export interface SkuState {
  sku: string;
  productId: string;
  productStatus: string;
}

/** The only place that queries the inventory's copy of the catalog's SKUs. */
@Injectable()
export class SkusRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  /** Records the product's version and status; false when a newer or equal version is stored. */
  async recordProductVersion(tx: Queryable, productId: string, status: string, version: number): Promise<boolean> {
    const rows = await queryRows(
      tx,
      sql`insert into known_products (product_id, status, version) values (${productId}, ${status}, ${version})
          on conflict (product_id) do update set status = excluded.status, version = excluded.version, updated_at = now()
          where known_products.version < excluded.version
          returning product_id`,
    );
    return rows.length > 0;
  }

  /** Makes `skus` exactly the product's known SKUs: others of the product are forgotten. */
  async replaceProductSkus(tx: Queryable, productId: string, status: string, version: number, skus: string[]): Promise<void> {
    await tx.execute(sql`delete from known_skus where product_id = ${productId} and not (sku = any(${sql.param(skus)}::text[]))`);
    if (skus.length === 0) return;
    await tx.execute(
      sql`insert into known_skus (sku, product_id, product_status, product_version)
          select sku, ${productId}, ${status}, ${version} from unnest(${sql.param(skus)}::text[]) as t(sku)
          on conflict (sku) do update set product_id = excluded.product_id, product_status = excluded.product_status, product_version = excluded.product_version`,
    );
  }

  /** The known ones among `skus`, with their product's status. */
  async statesOf(tx: Queryable, skus: string[]): Promise<Map<string, SkuState>> {
    if (skus.length === 0) return new Map();
    const rows = await queryRows<{ sku: string; product_id: string; product_status: string }>(
      tx,
      sql`select sku, product_id, product_status from known_skus where sku = any(${sql.param(skus)}::text[])`,
    );
    return new Map(rows.map((r) => [r.sku, { sku: r.sku, productId: r.product_id, productStatus: r.product_status }]));
  }
}

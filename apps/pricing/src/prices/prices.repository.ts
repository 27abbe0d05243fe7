import { Inject, Injectable } from '@nestjs/common';
import type { Price, PriceList } from '@omnibus/contracts';
import { DATABASE, DatabaseHandle, Queryable, queryRows } from '@omnibus/service-kit';
import { SQL, and, asc, eq, gt, sql } from 'drizzle-orm';
import { PriceCandidate } from './price-resolution';
import { PriceListRow, PriceRow, priceLists, prices } from './prices.schema';

/** The identity of a price within its list: what a bulk upsert matches on. */
export interface PriceKey {
  sku: string;
  currency: string;
  channel: string | null;
  customerGroup: string | null;
  country: string | null;
  minQuantity: number;
}

export function priceKeyOf(p: PriceKey): string {
  return [p.sku, p.currency, p.channel ?? '', p.customerGroup ?? '', p.country ?? '', p.minQuantity].join('\u0001');
}

const CHUNK = 2000; // rows per multi-row insert: 14 parameters each stays far below PostgreSQL's 65,535

/** The only place that queries price lists and prices. */
@Injectable()
export class PricesRepository {
  private candidatesQuery?: ReturnType<PricesRepository['prepareCandidates']>;

  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  // ------------------------------------------------------------------ price lists

  async insertList(tx: Queryable, row: PriceListRow): Promise<void> {
    await tx.insert(priceLists).values(row);
  }

  /** The list, locked against concurrent price writes to it until `tx` ends; null when missing. */
  async lockList(tx: Queryable, id: string): Promise<PriceListRow | null> {
    const rows = await tx.select().from(priceLists).where(eq(priceLists.id, id)).for('update');
    return rows[0] ?? null;
  }

  async findList(tx: Queryable, id: string): Promise<PriceListRow | null> {
    const rows = await tx.select().from(priceLists).where(eq(priceLists.id, id));
    return rows[0] ?? null;
  }

  async updateListIfVersion(tx: Queryable, id: string, expectedVersion: number, changes: Partial<PriceListRow>): Promise<PriceListRow | null> {
    const rows = await tx
      .update(priceLists)
      .set({ ...changes, version: sql`${priceLists.version} + 1`, updatedAt: new Date() })
      .where(and(eq(priceLists.id, id), eq(priceLists.version, expectedVersion)))
      .returning();
    return rows[0] ?? null;
  }

  async listVersionOf(tx: Queryable, id: string): Promise<number | null> {
    const rows = await tx.select({ version: priceLists.version }).from(priceLists).where(eq(priceLists.id, id));
    return rows[0]?.version ?? null;
  }

  async deleteList(tx: Queryable, id: string): Promise<void> {
    await tx.delete(priceLists).where(eq(priceLists.id, id));
  }

  async listLists(tx: Queryable, afterId: string | undefined, limit: number): Promise<PriceListRow[]> {
    return tx
      .select()
      .from(priceLists)
      .where(afterId ? gt(priceLists.id, afterId) : undefined)
      .orderBy(asc(priceLists.id))
      .limit(limit);
  }

  async priceCounts(tx: Queryable, listIds: string[]): Promise<Map<string, number>> {
    if (listIds.length === 0) return new Map();
    const rows = await queryRows<{ id: string; n: string }>(
      tx,
      sql`select price_list_id as id, count(*) as n from prices where price_list_id = any(${sql.param(listIds)}::text[]) group by price_list_id`,
    );
    return new Map(rows.map((r) => [r.id, Number(r.n)]));
  }

  // ------------------------------------------------------------------ prices

  async insertPrices(tx: Queryable, rows: PriceRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) await tx.insert(prices).values(rows.slice(i, i + CHUNK));
  }

  async findPrice(tx: Queryable, id: string): Promise<PriceRow | null> {
    const rows = await tx.select().from(prices).where(eq(prices.id, id));
    return rows[0] ?? null;
  }

  async findPriceForUpdate(tx: Queryable, id: string): Promise<PriceRow | null> {
    const rows = await tx.select().from(prices).where(eq(prices.id, id)).for('update');
    return rows[0] ?? null;
  }

  async updatePrice(tx: Queryable, id: string, changes: Pick<PriceRow, 'amount' | 'validFrom' | 'validUntil'>): Promise<PriceRow> {
    const rows = await tx
      .update(prices)
      .set({ ...changes, version: sql`${prices.version} + 1`, updatedAt: new Date() })
      .where(eq(prices.id, id))
      .returning();
    return rows[0];
  }

  /** Applies new amounts and windows to many prices in one statement; returns the new rows. */
  async updatePrices(tx: Queryable, changes: Pick<PriceRow, 'id' | 'amount' | 'validFrom' | 'validUntil'>[]): Promise<PriceRow[]> {
    if (changes.length === 0) return [];
    const json = JSON.stringify(changes.map((c) => ({ id: c.id, amount: c.amount, valid_from: c.validFrom?.toISOString() ?? null, valid_until: c.validUntil?.toISOString() ?? null })));
    const rows = await queryRows<Record<string, unknown>>(
      tx,
      sql`update prices p set amount = c.amount, valid_from = c.valid_from, valid_until = c.valid_until, version = p.version + 1, updated_at = now()
          from jsonb_to_recordset(${json}::jsonb) as c(id text, amount bigint, valid_from timestamptz, valid_until timestamptz)
          where p.id = c.id
          returning p.*`,
    );
    return rows.map(rowFromRaw);
  }

  async deletePrice(tx: Queryable, id: string): Promise<void> {
    await tx.delete(prices).where(eq(prices.id, id));
  }

  /** Deletes every price of a list; returns them. */
  async deletePricesOfList(tx: Queryable, listId: string): Promise<PriceRow[]> {
    return tx.delete(prices).where(eq(prices.priceListId, listId)).returning();
  }

  /** The stored prices of `listId` with the given keys, locked until `tx` ends. */
  async findByKeys(tx: Queryable, listId: string, keys: PriceKey[]): Promise<PriceRow[]> {
    if (keys.length === 0) return [];
    const json = JSON.stringify(keys.map((k) => ({ sku: k.sku, currency: k.currency, channel: k.channel, customer_group: k.customerGroup, country: k.country, min_quantity: k.minQuantity })));
    const rows = await queryRows<Record<string, unknown>>(
      tx,
      sql`select p.* from prices p
          join jsonb_to_recordset(${json}::jsonb) as k(sku text, currency text, channel text, customer_group text, country text, min_quantity integer)
            on p.sku = k.sku and p.currency = k.currency and p.min_quantity = k.min_quantity
           and p.channel is not distinct from k.channel and p.customer_group is not distinct from k.customer_group and p.country is not distinct from k.country
          where p.price_list_id = ${listId}
          for update of p`,
    );
    return rows.map(rowFromRaw);
  }

  async listPrices(tx: Queryable, filter: { priceListId?: string; sku?: string; afterId?: string; limit: number }): Promise<PriceRow[]> {
    const conditions: SQL[] = [];
    if (filter.priceListId) conditions.push(eq(prices.priceListId, filter.priceListId));
    if (filter.sku) conditions.push(eq(prices.sku, filter.sku));
    if (filter.afterId) conditions.push(gt(prices.id, filter.afterId));
    return tx
      .select()
      .from(prices)
      .where(and(...conditions))
      .orderBy(asc(prices.id))
      .limit(filter.limit);
  }

  /**
   * Every price of these SKUs in `currency` from active lists whose scope can match the context and
   * that has not expired: one prepared statement per quote or product page, whatever the number of lines.
   */
  async candidates(skus: string[], currency: string, scope: { channel: string | null; customerGroup: string | null; country: string | null }, at: Date): Promise<PriceCandidate[]> {
    this.candidatesQuery ??= this.prepareCandidates();
    const rows = await this.candidatesQuery.execute({ skus, currency, channel: scope.channel, customerGroup: scope.customerGroup, country: scope.country, at: at.toISOString() });
    return rows.map((r) => ({
      ...r,
      amount: Number(r.amount),
      validFrom: r.validFrom ? new Date(r.validFrom) : null,
      validUntil: r.validUntil ? new Date(r.validUntil) : null,
    }));
  }

  private prepareCandidates() {
    return this.db
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
      })
      .from(prices)
      .innerJoin(priceLists, eq(priceLists.id, prices.priceListId))
      .where(
        and(
          sql`${prices.sku} = any(${sql.placeholder('skus')}::text[])`,
          sql`${prices.currency} = ${sql.placeholder('currency')}`,
          sql`${priceLists.status} = 'active'`,
          sql`(${prices.channel} is null or ${prices.channel} = ${sql.placeholder('channel')}::text)`,
          sql`(${prices.customerGroup} is null or ${prices.customerGroup} = ${sql.placeholder('customerGroup')}::text)`,
          sql`(${prices.country} is null or ${prices.country} = ${sql.placeholder('country')}::text)`,
          sql`(${prices.validUntil} is null or ${prices.validUntil} > ${sql.placeholder('at')}::timestamptz)`,
        ),
      )
      .prepare('pricing_price_candidates');
  }
}

/** A row of a raw query (snake_case, bigint and timestamps as text) as a Drizzle row. */
function rowFromRaw(r: Record<string, unknown>): PriceRow {
  const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
  return {
    id: r['id'] as string,
    priceListId: r['price_list_id'] as string,
    sku: r['sku'] as string,
    amount: Number(r['amount']),
    currency: r['currency'] as string,
    channel: (r['channel'] as string | null) ?? null,
    customerGroup: (r['customer_group'] as string | null) ?? null,
    country: (r['country'] as string | null) ?? null,
    minQuantity: Number(r['min_quantity']),
    validFrom: date(r['valid_from']),
    validUntil: date(r['valid_until']),
    version: Number(r['version']),
    createdAt: date(r['created_at'])!,
    updatedAt: date(r['updated_at'])!,
  };
}

export function toPriceList(row: PriceListRow, priceCount: number): PriceList {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    priority: row.priority,
    status: row.status,
    priceCount,
    version: row.version,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

export function toPrice(row: PriceRow): Price {
  return {
    id: row.id,
    priceListId: row.priceListId,
    sku: row.sku,
    amount: Number(row.amount),
    currency: row.currency,
    channel: row.channel,
    customerGroup: row.customerGroup,
    country: row.country,
    minQuantity: row.minQuantity,
    validFrom: row.validFrom ? new Date(row.validFrom).toISOString() : null,
    validUntil: row.validUntil ? new Date(row.validUntil).toISOString() : null,
    version: row.version,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

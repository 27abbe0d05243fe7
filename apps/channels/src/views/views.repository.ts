import { Inject, Injectable } from '@nestjs/common';
import type { ChannelView, Product } from '@omnibus/contracts';
import { ChannelRules, LocationCopy, PriceCopy, PriceListCopy, StockCopy, ViewSources } from './view';
import { DATABASE, DatabaseHandle, Queryable, queryRows } from '@omnibus/service-kit';
import { and, asc, count, eq, gt, inArray, sql } from 'drizzle-orm';
import { FeedEntryRow, ViewRow, channelViews, feedEntries } from './views.schema';

export interface StoredView {
  version: number;
  present: boolean;
  view: ChannelView | null;
}

export const viewKey = (channel: string, productId: string) => `${channel}\u0000${productId}`;

/** What recomputing some products needs (see loadForRefresh). */
export interface RefreshInput {
  channels: ChannelRules[];
  products: Map<string, Product>;
  sources: ViewSources;
  stored: Map<string, StoredView>;
}

/** A PostgreSQL array literal of ids, codes or SKUs (their patterns allow no quote, comma, brace or space). */
function textArray(values: string[]): string {
  const odd = values.find((v) => !/^[A-Za-z0-9._-]+$/.test(v));
  if (odd !== undefined) throw new Error(`"${odd.slice(0, 80)}" is not an id, code or SKU`);
  return `{${values.join(',')}}`;
}

/** The only place that queries the channel views and their feeds. */
@Injectable()
export class ViewsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  /**
   * Serialises work on these products (in id order, so two batches cannot deadlock): a product's views
   * are computed from its sources by one transaction at a time, so none overwrites a newer view.
   */
  async lockProducts(tx: Queryable, sortedIds: string[]): Promise<void> {
    if (sortedIds.length === 1) {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${sortedIds[0]}, 0))`);
      return;
    }
    for (let i = 0; i < sortedIds.length; i += 500) {
      const chunk = sortedIds.slice(i, i + 500);
      await tx.execute(
        sql`select count(pg_advisory_xact_lock(hashtextextended(id, 0))) from (select id from (values ${sql.join(
          chunk.map((id) => sql`(${id})`),
          sql`, `,
        )}) as ids (id) order by id) as ordered`,
      );
    }
  }


  /**
   * Everything recomputing these products needs, in one statement (the hot path of every event): the
   * channels' rules, the products, their SKUs' prices and stock, all price lists and locations, and
   * the stored views. It reads the channels and the sources' copies too: one round trip instead of eight.
   */
  async loadForRefresh(tx: Queryable, productIds: string[], onlyChannels?: string[]): Promise<RefreshInput> {
    const ids = textArray(productIds);
    const channelFilter = onlyChannels ? sql`where c.code = any(${textArray(onlyChannels)}::text[])` : sql``;
    const viewFilter = onlyChannels ? sql`and cv.channel = any(${textArray(onlyChannels)}::text[])` : sql``;
    const [row] = await queryRows<Record<string, unknown>>(
      tx,
      sql`with skus as (
            select v->>'sku' as sku from source_products p, jsonb_array_elements(p.product->'variants') v where p.id = any(${ids}::text[]))
          select
            (select coalesce(json_agg(json_build_object('code', c.code, 'assortment', c.assortment, 'priceScope', c.price_scope, 'stockScope', c.stock_scope, 'locales', c.locales) order by c.code), '[]') from channels c ${channelFilter}) as channels,
            (select coalesce(json_agg(p.product), '[]') from source_products p where p.id = any(${ids}::text[])) as products,
            (select coalesce(json_agg(json_build_object('sku', sp.sku, 'priceId', sp.price_id, 'priceListId', sp.price_list_id, 'currency', sp.currency, 'channel', sp.channel,
                     'customerGroup', sp.customer_group, 'country', sp.country, 'minQuantity', sp.min_quantity, 'amount', sp.amount, 'validFrom', sp.valid_from, 'validUntil', sp.valid_until)), '[]')
               from source_prices sp where sp.sku in (select sku from skus)) as prices,
            (select coalesce(json_agg(json_build_object('sku', ss.sku, 'locationId', ss.location_id, 'available', ss.available)), '[]') from source_stock ss where ss.sku in (select sku from skus)) as stock,
            (select coalesce(json_agg(json_build_object('id', l.id, 'priority', l.priority, 'status', l.status)), '[]') from source_price_lists l) as lists,
            (select coalesce(json_agg(json_build_object('id', l.id, 'code', l.code, 'channels', l.channels, 'active', l.active)), '[]') from source_locations l) as locations,
            (select coalesce(json_agg(json_build_object('channel', cv.channel, 'productId', cv.product_id, 'version', cv.version, 'present', cv.present, 'view', cv.view)), '[]')
               from channel_views cv where cv.product_id = any(${ids}::text[]) ${viewFilter}) as views`,
    );
    const json = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;
    const prices = new Map<string, PriceCopy[]>();
    for (const p of json<(Omit<PriceCopy, 'validFrom' | 'validUntil'> & { validFrom: string | null; validUntil: string | null })[]>(row['prices'])) {
      const copy: PriceCopy = { ...p, amount: Number(p.amount), validFrom: p.validFrom ? new Date(p.validFrom) : null, validUntil: p.validUntil ? new Date(p.validUntil) : null };
      prices.set(p.sku, [...(prices.get(p.sku) ?? []), copy]);
    }
    const stock = new Map<string, StockCopy[]>();
    for (const s of json<StockCopy[]>(row['stock'])) stock.set(s.sku, [...(stock.get(s.sku) ?? []), s]);
    const stored = new Map<string, StoredView>();
    for (const v of json<(StoredView & { channel: string; productId: string })[]>(row['views'])) stored.set(viewKey(v.channel, v.productId), v);
    return {
      channels: json<ChannelRules[]>(row['channels']),
      products: new Map(json<Product[]>(row['products']).map((p) => [p.id, p])),
      sources: {
        prices,
        stock,
        priceLists: new Map(json<PriceListCopy[]>(row['lists']).map((l) => [l.id, l])),
        locations: json<LocationCopy[]>(row['locations']),
        at: new Date(),
      },
      stored,
    };
  }

  /**
   * Appends feed entries, stores the new views and queues the webhook deliveries the entries call for,
   * in one statement; returns the deliveries queued per channel. A subscription receives an entry
   * when it wants removals and the entry is one, or wants one of the aspects the entry changes.
   */
  async append(tx: Queryable, entries: FeedEntryRow[], views: ViewRow[]): Promise<Map<string, number>> {
    const rows = await queryRows<{ channel: string; n: number }>(
      tx,
      sql`with entries as (
            insert into feed_entries (channel, seq, id, product_id, kind, version, aspects, full_view, changes, occurred_at)
            select channel, seq, id, product_id, kind, version, aspects, full_view, changes, occurred_at
            from json_to_recordset(${JSON.stringify(entries.map((e) => ({ channel: e.channel, seq: e.seq, id: e.id, product_id: e.productId, kind: e.kind, version: e.version, aspects: e.aspects, full_view: e.fullView, changes: e.changes, occurred_at: e.occurredAt })))}::json)
              as x (channel text, seq bigint, id text, product_id text, kind text, version integer, aspects text[], full_view boolean, changes jsonb, occurred_at timestamptz)
            returning channel, seq, id, product_id, kind, aspects),
          stored as (
            insert into channel_views (channel, product_id, version, present, view, hash, updated_at)
            select channel, product_id, version, present, view, hash, updated_at
            from json_to_recordset(${JSON.stringify(views.map((v) => ({ channel: v.channel, product_id: v.productId, version: v.version, present: v.present, view: v.view, hash: v.hash, updated_at: v.updatedAt })))}::json)
              as x (channel text, product_id text, version integer, present boolean, view jsonb, hash text, updated_at timestamptz)
            on conflict (channel, product_id) do update
              set version = excluded.version, present = excluded.present, view = excluded.view, hash = excluded.hash, updated_at = excluded.updated_at
            returning 1),
          queued as (
            insert into webhook_deliveries (subscription_id, entry_seq, channel, entry_id, product_id, status, attempts, next_attempt_at, created_at)
            select s.id, e.seq, e.channel, e.id, e.product_id, 'pending', 0, now(), now()
            from entries e join webhook_subscriptions s on s.channel = e.channel and s.status = 'active'
            where (e.kind = 'remove' and 'remove' = any(s.kinds)) or (e.kind = 'upsert' and e.aspects && s.kinds)
            returning channel)
          select channel, count(*)::int as n from queued group by channel`,
    );
    return new Map(rows.map((r) => [r.channel, r.n]));
  }

  /** Every present view of a channel, in product id order (the consistency check). */
  async presentViews(tx: Queryable, channel: string, afterProductId: string, limit: number): Promise<{ productId: string; view: ChannelView; hash: string | null }[]> {
    const rows = await tx
      .select({ productId: channelViews.productId, view: channelViews.view, hash: channelViews.hash })
      .from(channelViews)
      .where(and(eq(channelViews.channel, channel), eq(channelViews.present, true), gt(channelViews.productId, afterProductId)))
      .orderBy(asc(channelViews.productId))
      .limit(limit);
    return rows.map((r) => ({ productId: r.productId, view: r.view as ChannelView, hash: r.hash }));
  }

  async countPresent(tx: Queryable, channel: string): Promise<number> {
    const [row] = await tx.select({ n: count() }).from(channelViews).where(and(eq(channelViews.channel, channel), eq(channelViews.present, true)));
    return Number(row?.n ?? 0);
  }



  /** Entries of a channel after `afterSeq`, in order. */
  async entriesAfter(tx: Queryable, channel: string, afterSeq: number, limit: number): Promise<FeedEntryRow[]> {
    return tx
      .select()
      .from(feedEntries)
      .where(and(eq(feedEntries.channel, channel), gt(feedEntries.seq, afterSeq)))
      .orderBy(asc(feedEntries.seq))
      .limit(limit);
  }

  async entriesBySeq(tx: Queryable, channel: string, seqs: number[]): Promise<FeedEntryRow[]> {
    if (seqs.length === 0) return [];
    return tx.select().from(feedEntries).where(and(eq(feedEntries.channel, channel), inArray(feedEntries.seq, seqs)));
  }

  /** How many entries follow `afterSeq`, and when the first of them was appended. */
  async lagAfter(tx: Queryable, channel: string, afterSeq: number, lastSeq: number): Promise<{ entries: number; oldestAt: Date | null }> {
    const [first] = await queryRows<{ occurred_at: Date | string }>(
      tx,
      sql`select occurred_at from feed_entries where channel = ${channel} and seq > ${afterSeq} order by seq limit 1`,
    );
    return { entries: Math.max(0, lastSeq - afterSeq), oldestAt: first ? new Date(first.occurred_at) : null };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { Product } from '@omnibus/contracts';
import { DATABASE, DatabaseHandle, Queryable, queryRows } from '@omnibus/service-kit';
import { and, asc, eq, gt, inArray, lt, notInArray, or, sql } from 'drizzle-orm';
import { LocationCopy, PriceCopy, PriceListCopy, StockCopy, ViewSources } from '../views/view';
import { jobState, sourceLocations, sourcePriceLists, sourcePrices, sourceProducts, sourceSkus, sourceState, sourceStock } from './sources.schema';

export type SourceName = 'catalog' | 'pricing' | 'inventory';

export interface PriceRow extends PriceCopy {
  scopeKey: string;
  version: number;
}

export interface StockRow extends StockCopy {
  onHand: number;
  reserved: number;
  version: number;
}

/** The only place that queries the service's copies of catalog, pricing and inventory. */
@Injectable()
export class SourcesRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  /** Stores the product unless a newer version is stored; true when stored. */
  async upsertProduct(tx: Queryable, product: Product): Promise<boolean> {
    const rows = await tx
      .insert(sourceProducts)
      .values({ id: product.id, version: product.version, product })
      .onConflictDoUpdate({ target: sourceProducts.id, set: { version: sql`excluded.version`, product: sql`excluded.product` }, setWhere: lt(sourceProducts.version, sql`excluded.version`) })
      .returning({ id: sourceProducts.id });
    return rows.length > 0;
  }

  /** Makes `skus` the product's SKUs (a SKU that moved from another product follows). */
  async replaceSkus(tx: Queryable, productId: string, skus: string[]): Promise<void> {
    await tx.delete(sourceSkus).where(skus.length ? and(eq(sourceSkus.productId, productId), notInArray(sourceSkus.sku, skus)) : eq(sourceSkus.productId, productId));
    if (skus.length) {
      await tx
        .insert(sourceSkus)
        .values(skus.map((sku) => ({ sku, productId })))
        .onConflictDoUpdate({ target: sourceSkus.sku, set: { productId: sql`excluded.product_id` } });
    }
  }

  async productIdsOfSkus(tx: Queryable, skus: string[]): Promise<string[]> {
    if (skus.length === 0) return [];
    const rows = await tx.selectDistinct({ productId: sourceSkus.productId }).from(sourceSkus).where(inArray(sourceSkus.sku, skus));
    return rows.map((r) => r.productId);
  }

  /** Stores a price unless a newer version of the same price is stored; true when stored. */
  async upsertPrice(tx: Queryable, price: PriceRow): Promise<boolean> {
    const { priceId, ...rest } = price;
    const rows = await tx
      .insert(sourcePrices)
      .values({ ...rest, priceId })
      .onConflictDoUpdate({
        target: [sourcePrices.sku, sourcePrices.scopeKey],
        set: {
          amount: sql`excluded.amount`,
          validFrom: sql`excluded.valid_from`,
          validUntil: sql`excluded.valid_until`,
          priceId: sql`excluded.price_id`,
          version: sql`excluded.version`,
        },
        // A price deleted and created again with the same scope has a new id and starts at version 1.
        setWhere: or(lt(sourcePrices.version, sql`excluded.version`), sql`${sourcePrices.priceId} <> excluded.price_id`),
      })
      .returning({ sku: sourcePrices.sku });
    return rows.length > 0;
  }

  async deletePrice(tx: Queryable, sku: string, scopeKey: string): Promise<void> {
    await tx.delete(sourcePrices).where(and(eq(sourcePrices.sku, sku), eq(sourcePrices.scopeKey, scopeKey)));
  }

  /** Stores a price list; true when what resolution uses (status, priority) changed. */
  async upsertPriceList(tx: Queryable, list: PriceListCopy & { version: number }): Promise<boolean> {
    const [before] = await tx.select().from(sourcePriceLists).where(eq(sourcePriceLists.id, list.id)).for('update');
    if (before && before.version >= list.version) return false;
    await tx
      .insert(sourcePriceLists)
      .values(list)
      .onConflictDoUpdate({ target: sourcePriceLists.id, set: { priority: list.priority, status: list.status, version: list.version } });
    return !before ? list.status !== 'active' || list.priority !== 0 : before.priority !== list.priority || before.status !== list.status;
  }

  async deletePriceList(tx: Queryable, id: string): Promise<void> {
    await tx.delete(sourcePriceLists).where(eq(sourcePriceLists.id, id));
    await tx.delete(sourcePrices).where(eq(sourcePrices.priceListId, id));
  }

  /** Stores a location unless a newer version is stored; returns the copy it replaced (null when new), or undefined when not stored. */
  async upsertLocation(tx: Queryable, location: LocationCopy & { version: number }): Promise<LocationCopy | null | undefined> {
    const [before] = await tx.select().from(sourceLocations).where(eq(sourceLocations.id, location.id)).for('update');
    if (before && before.version >= location.version) return undefined;
    await tx
      .insert(sourceLocations)
      .values(location)
      .onConflictDoUpdate({ target: sourceLocations.id, set: { code: location.code, channels: location.channels, active: location.active, version: location.version } });
    return before ?? null;
  }

  /** Stores a stock level unless a newer version is stored; returns the products of its SKU when stored (one round trip). */
  async upsertStock(tx: Queryable, stock: StockRow): Promise<string[]> {
    const rows = await queryRows<{ product_id: string }>(
      tx,
      sql`with stored as (
            insert into source_stock (sku, location_id, on_hand, reserved, available, version)
            values (${stock.sku}, ${stock.locationId}, ${stock.onHand}, ${stock.reserved}, ${stock.available}, ${stock.version})
            on conflict (sku, location_id) do update
              set on_hand = excluded.on_hand, reserved = excluded.reserved, available = excluded.available, version = excluded.version
              where source_stock.version < excluded.version
            returning sku)
          select product_id from source_skus where sku in (select sku from stored)`,
    );
    return rows.map((r) => r.product_id);
  }

  /** The products and everything their views are computed from. */
  async loadForProducts(tx: Queryable, productIds: string[], at = new Date()): Promise<{ products: Map<string, Product>; sources: ViewSources }> {
    const products = new Map<string, Product>();
    if (productIds.length) {
      for (const row of await tx.select({ product: sourceProducts.product }).from(sourceProducts).where(inArray(sourceProducts.id, productIds))) {
        products.set(row.product.id, row.product);
      }
    }
    const skus = [...products.values()].flatMap((p) => p.variants.map((v) => v.sku));
    const [priceRows, listRows, locationRows, stockRows] = await Promise.all([
      skus.length ? tx.select().from(sourcePrices).where(inArray(sourcePrices.sku, skus)) : Promise.resolve([]),
      tx.select().from(sourcePriceLists),
      tx.select().from(sourceLocations),
      skus.length ? tx.select({ sku: sourceStock.sku, locationId: sourceStock.locationId, available: sourceStock.available }).from(sourceStock).where(inArray(sourceStock.sku, skus)) : Promise.resolve([]),
    ]);
    const prices = new Map<string, PriceCopy[]>();
    for (const r of priceRows) {
      const copy: PriceCopy = {
        sku: r.sku,
        priceId: r.priceId,
        priceListId: r.priceListId,
        currency: r.currency,
        channel: r.channel,
        customerGroup: r.customerGroup,
        country: r.country,
        minQuantity: r.minQuantity,
        amount: Number(r.amount),
        validFrom: r.validFrom ? new Date(r.validFrom) : null,
        validUntil: r.validUntil ? new Date(r.validUntil) : null,
      };
      prices.set(r.sku, [...(prices.get(r.sku) ?? []), copy]);
    }
    const stock = new Map<string, StockCopy[]>();
    for (const r of stockRows) stock.set(r.sku, [...(stock.get(r.sku) ?? []), r]);
    return {
      products,
      sources: {
        prices,
        priceLists: new Map(listRows.map((l) => [l.id, { id: l.id, priority: l.priority, status: l.status }])),
        locations: locationRows.map((l) => ({ id: l.id, code: l.code, channels: l.channels, active: l.active })),
        stock,
        at,
      },
    };
  }

  /** Product ids in id order after `afterId` (rebuilding a channel's view in batches). */
  async productIdsAfter(tx: Queryable, afterId: string, limit: number): Promise<string[]> {
    const rows = await tx.select({ id: sourceProducts.id }).from(sourceProducts).where(gt(sourceProducts.id, afterId)).orderBy(asc(sourceProducts.id)).limit(limit);
    return rows.map((r) => r.id);
  }

  /** Adds to a source's event count (flushed now and then, outside the events' transactions). */
  async countEvents(source: SourceName, events: number, lastEventAt: Date): Promise<void> {
    await this.db
      .insert(sourceState)
      .values({ source, events, lastEventAt })
      .onConflictDoUpdate({ target: sourceState.source, set: { events: sql`${sourceState.events} + ${events}`, lastEventAt: sql`greatest(${sourceState.lastEventAt}, excluded.last_event_at)` } });
  }

  async states(): Promise<{ source: string; events: number; lastEventAt: Date | null }[]> {
    return this.db.select().from(sourceState);
  }

  /**
   * Locks the named job's clock and returns the SKUs whose price window opened or closed since it last
   * ran, then moves the clock to `now`. The first run only starts the clock.
   */
  async priceWindowsPassed(tx: Queryable, now: Date): Promise<string[]> {
    const [state] = await tx.select().from(jobState).where(eq(jobState.name, 'price-windows')).for('update');
    await tx
      .insert(jobState)
      .values({ name: 'price-windows', at: now })
      .onConflictDoUpdate({ target: jobState.name, set: { at: now } });
    if (!state) return [];
    const since = new Date(state.at);
    const rows = await queryRows<{ sku: string }>(
      tx,
      sql`select distinct sku from source_prices
          where (valid_from > ${since.toISOString()} and valid_from <= ${now.toISOString()})
             or (valid_until > ${since.toISOString()} and valid_until <= ${now.toISOString()})`,
    );
    return rows.map((r) => r.sku);
  }
}

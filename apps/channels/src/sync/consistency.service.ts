import { Inject, Injectable } from '@nestjs/common';
import {
  BatchAvailabilityReply,
  CatalogSubjects,
  ChannelView,
  ConsistencyReport,
  Drift,
  InventorySubjects,
  Product,
  ProductPage,
  PricingSubjects,
  ResolvedPrices,
} from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import { ChannelRow } from '../channels/channels.schema';
import { SourcesRepository } from '../sources/sources.repository';
import { ChannelRules, computeView, inAssortment, mergePatch, patchPaths, valueAt } from '../views/view';
import { ViewsRepository } from '../views/views.repository';

export const SOURCE_CLIENT = Symbol('SOURCE_CLIENT');
const MAX_LISTED_DRIFT = 100;
const CHUNK = 500;

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

export function rulesOf(row: ChannelRow): ChannelRules {
  return { code: row.code, assortment: row.assortment, priceScope: row.priceScope ?? null, stockScope: row.stockScope, locales: row.locales };
}

/** The drift between a stored view and the expected one, field by field (null view = not in the channel). */
export function driftOf(productId: string, actual: ChannelView | null, expected: ChannelView | null): Drift[] {
  if (!actual && !expected) return [];
  if (!actual || !expected) return [{ productId, field: '(presence)', source: 'catalog', expected: expected ? 'in the channel' : 'not in the channel', actual: actual ? 'in the channel' : 'not in the channel' }];
  const patch = mergePatch(actual, expected);
  if (!patch) return [];
  return patchPaths(patch).map((path) => ({
    productId,
    field: path.join('.'),
    source: path[0] === 'variants' && path[2] === 'price' ? 'pricing' : path[0] === 'variants' && path[2] === 'available' ? 'inventory' : 'catalog',
    expected: valueAt(expected, path) ?? null,
    actual: valueAt(actual, path) ?? null,
  }));
}

/**
 * Compares a channel's stored view with what the sources say now: products and their assortment from
 * the catalog, resolved prices from pricing, availability from inventory (asked over NATS, in pages).
 * A source that does not answer is replaced by the service's own copy, and the report says so.
 * Events in flight can show as short-lived drift: check again before repairing (resync).
 */
@Injectable()
export class ConsistencyService {
  constructor(
    private readonly views: ViewsRepository,
    private readonly sources: SourcesRepository,
    @Inject(SOURCE_CLIENT) private readonly client: ServiceClient,
  ) {}

  async check(row: ChannelRow): Promise<ConsistencyReport> {
    const rules = rulesOf(row);
    const notes: Record<string, string> = {};
    const stored = new Map<string, ChannelView>();
    for (let after = ''; ; ) {
      const page = await this.views.presentViews(this.views.db, rules.code, after, 1000);
      for (const v of page) stored.set(v.productId, v.view);
      if (page.length < 1000) break;
      after = page[page.length - 1].productId;
    }

    let catalog: Map<string, Product> | null = null;
    try {
      catalog = await this.catalogProducts(rules);
      notes['catalog'] = 'compared';
    } catch (err) {
      notes['catalog'] = `unavailable (${(err as Error).message}): compared with the service's copy, for the products in the view`;
    }
    const ids = [...new Set([...stored.keys(), ...(catalog ? [...catalog.keys()] : [])])].sort();
    const local = new Map<string, Product>();
    const expected = new Map<string, ChannelView | null>();
    for (const part of chunks(ids, CHUNK)) {
      const { products, sources } = await this.sources.loadForProducts(this.sources.db, part);
      for (const [id, p] of products) local.set(id, p);
      for (const id of part) {
        // The catalog's list holds the products it sells in the channel's catalog channel; one missing from it is not sold there (any more).
        const product = catalog ? catalog.get(id) : local.get(id);
        expected.set(id, computeView(rules, product, sources));
      }
    }

    const views = [...expected.values()].filter((v): v is ChannelView => v !== null);
    const skus = [...new Set(views.flatMap((v) => Object.keys(v.variants)))];
    if (rules.priceScope) await this.overridePrices(rules, skus, views, notes);
    await this.overrideStock(rules, skus, views, notes);

    const drift: Drift[] = [];
    for (const id of ids) drift.push(...driftOf(id, stored.get(id) ?? null, expected.get(id) ?? null));
    return {
      checkedAt: new Date().toISOString(),
      productsChecked: ids.length,
      consistent: drift.length === 0,
      drift: drift.slice(0, MAX_LISTED_DRIFT),
      driftCount: drift.length,
      sources: notes,
    };
  }

  /** The active products of the channel's catalog channel that pass its assortment rule. */
  private async catalogProducts(rules: ChannelRules): Promise<Map<string, Product>> {
    const out = new Map<string, Product>();
    let cursor: string | null = null;
    do {
      const page: ProductPage = await this.client.request<ProductPage>(CatalogSubjects.listProducts, {
        channel: rules.assortment.catalogChannel ?? rules.code,
        status: 'active',
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      for (const p of page.items) if (inAssortment(rules, p)) out.set(p.id, p);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /** Replaces the expected prices with what pricing resolves now for the channel. */
  private async overridePrices(rules: ChannelRules, skus: string[], views: ChannelView[], notes: Record<string, string>): Promise<void> {
    const scope = rules.priceScope!;
    const amounts = new Map<string, number | null>();
    try {
      for (const part of chunks(skus, CHUNK)) {
        const reply = await this.client.request<ResolvedPrices>(PricingSubjects.resolvePrices, {
          skus: part,
          currency: scope.currency,
          channel: scope.channel ?? rules.code,
          ...(scope.customerGroup ? { customerGroup: scope.customerGroup } : {}),
          ...(scope.country ? { country: scope.country } : {}),
          quantity: 1,
        });
        for (const p of reply.prices) amounts.set(p.sku, p.amount);
      }
      notes['pricing'] = 'compared';
    } catch (err) {
      notes['pricing'] = `unavailable (${(err as Error).message}): compared with the service's copy`;
      return;
    }
    for (const view of views) {
      for (const [sku, variant] of Object.entries(view.variants)) {
        const amount = amounts.get(sku) ?? null;
        if (amount === null) delete variant.price;
        else variant.price = { amount, currency: scope.currency };
      }
    }
  }

  /** Replaces the expected availability with what inventory says now for the channel's locations. */
  private async overrideStock(rules: ChannelRules, skus: string[], views: ChannelView[], notes: Record<string, string>): Promise<void> {
    const available = new Map<string, number>();
    const listed = rules.stockScope.locations;
    try {
      for (const part of chunks(skus, CHUNK)) {
        const reply = await this.client.request<BatchAvailabilityReply>(InventorySubjects.batchAvailability, { skus: part, ...(listed ? {} : { channel: rules.code }) });
        for (const item of reply.items) {
          available.set(item.sku, listed ? item.locations.filter((l) => listed.includes(l.code)).reduce((sum, l) => sum + Math.max(0, l.available), 0) : item.available);
        }
      }
      notes['inventory'] = 'compared';
    } catch (err) {
      notes['inventory'] = `unavailable (${(err as Error).message}): compared with the service's copy`;
      return;
    }
    for (const view of views) for (const [sku, variant] of Object.entries(view.variants)) variant.available = available.get(sku) ?? 0;
  }
}

import { Injectable } from '@nestjs/common';
import {
  BulkItemOutcome,
  BulkProductItem,
  BulkUpsertProductsReply,
  BulkUpsertProductsRequest,
  CatalogEvents,
  FieldProblem,
  Product,
  ProductChangedEventData,
  newId,
} from '@omnibus/contracts';
import { Outbox, RpcError, Transaction, fieldProblems } from '@omnibus/service-kit';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ProductRow, VariantRow } from './products.schema';
import { ProductsRepository, toProduct } from './products.repository';
import { conflictFromUniqueViolation, duplicateSkuProblems, searchTextOf } from './products.service';

/** JSON with object keys sorted and undefined left out: equal values give equal text whatever the key order (jsonb reorders keys). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

type ComparableField = 'name' | 'description' | 'status' | 'categories' | 'channels' | 'attributes' | 'media';
const COMPARABLE_FIELDS: ComparableField[] = ['name', 'description', 'status', 'categories', 'channels', 'attributes', 'media'];

/** Variants as they are compared: SKU, attributes and media, in order. */
function comparableVariants(list: { sku: string; attributes?: unknown; media?: unknown }[]): string {
  return canonicalJson(list.map((v) => ({ sku: v.sku, attributes: v.attributes ?? {}, media: v.media ?? [] })));
}

/**
 * The fields of `item` that differ from the stored product, as a row change; `variants` is true when
 * the variant list differs. Fields the item leaves out are not compared (they keep their stored value).
 */
export function changesOf(item: BulkProductItem, row: ProductRow, variantRows: VariantRow[]): { set: Partial<ProductRow>; variants: boolean } {
  const set: Partial<ProductRow> = {};
  for (const field of COMPARABLE_FIELDS) {
    const next = item[field];
    if (next === undefined) continue;
    if (canonicalJson(next) !== canonicalJson(row[field])) (set as Record<string, unknown>)[field] = next;
  }
  if (set.name) set.searchText = searchTextOf(set.name);
  const variants = item.variants !== undefined && comparableVariants(item.variants) !== comparableVariants(variantRows);
  return { set, variants };
}

/** Checks one raw item against the contract; problems name fields within the item. */
export function itemProblems(raw: unknown): { item: BulkProductItem; problems: FieldProblem[] } {
  const item = plainToInstance(BulkProductItem, raw);
  const errors = validateSync(item, { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: false } });
  const problems = fieldProblems(errors).map((d) =>
    d.problem === `property ${d.field.split('.').pop()} should not exist` ? { field: d.field, problem: 'is not a known field' } : d,
  );
  if (problems.length === 0) problems.push(...duplicateSkuProblems(item.variants));
  return { item, problems };
}

/**
 * Bulk upsert by slug for imports (ERP, PIM exports): compares each item with the stored product and
 * writes, versions and emits an event only for real changes, so importing the same file twice changes
 * nothing. One transaction per request; each item in a savepoint, so an item that conflicts (a SKU of
 * another product) is rejected alone.
 */
@Injectable()
export class ProductsBulkService {
  constructor(
    private readonly repository: ProductsRepository,
    private readonly outbox: Outbox,
  ) {}

  async upsert(req: BulkUpsertProductsRequest): Promise<BulkUpsertProductsReply> {
    const outcomes: BulkItemOutcome[] = [];
    const accepted: { index: number; item: BulkProductItem }[] = [];
    const firstBySlug = new Map<string, number>();
    req.items.forEach((raw, index) => {
      const slug = typeof raw?.['slug'] === 'string' ? (raw['slug'] as string) : null;
      const { item, problems } = itemProblems(raw);
      const first = slug === null ? undefined : firstBySlug.get(slug);
      if (first !== undefined) problems.push({ field: 'slug', problem: `repeats the slug of item ${first}` });
      else if (slug !== null) firstBySlug.set(slug, index);
      if (problems.length) outcomes[index] = { index, slug, outcome: 'rejected', problems };
      else accepted.push({ index, item });
    });

    if (accepted.length) {
      await this.repository.db.transaction(async (tx) => {
        const stored = await this.repository.lockBySlugs(tx, accepted.map((a) => a.item.slug));
        for (const { index, item } of accepted) outcomes[index] = await this.upsertOne(tx, index, item, stored.get(item.slug));
      });
      this.outbox.committed();
    }
    const count = (o: BulkItemOutcome['outcome']) => outcomes.filter((x) => x.outcome === o).length;
    return { items: outcomes, created: count('created'), changed: count('changed'), unchanged: count('unchanged'), rejected: count('rejected') };
  }

  private async upsertOne(tx: Transaction, index: number, item: BulkProductItem, stored: { row: ProductRow; variants: VariantRow[] } | undefined): Promise<BulkItemOutcome> {
    const slug = item.slug;
    if (!stored) {
      if (!item.name) return { index, slug, outcome: 'rejected', problems: [{ field: 'name', problem: 'is required to create a product' }] };
      const now = new Date();
      const row: ProductRow = {
        id: newId('prd'),
        slug,
        status: item.status ?? 'draft',
        name: item.name,
        description: item.description ?? {},
        categories: item.categories ?? [],
        channels: item.channels ?? [],
        attributes: item.attributes ?? {},
        media: item.media ?? [],
        searchText: searchTextOf(item.name),
        version: 1,
        createdAt: now,
        updatedAt: now,
      };
      const variantRows = variantRowsFor(row.id, item.variants ?? [], []);
      return this.inSavepoint(tx, index, item, async (sp) => {
        await this.repository.insert(sp, row, variantRows);
        const product = toProduct(row, variantRows);
        await this.outbox.add<ProductChangedEventData>(sp, CatalogEvents.productCreated, { product });
        return { index, slug, outcome: 'created', id: product.id, version: product.version };
      });
    }
    const { row: current, variants: currentVariants } = stored;
    const { set, variants } = changesOf(item, current, currentVariants);
    if (Object.keys(set).length === 0 && !variants) return { index, slug, outcome: 'unchanged', id: current.id, version: current.version };
    return this.inSavepoint(tx, index, item, async (sp) => {
      // The row is locked since lockBySlugs: its version cannot have moved.
      const row = await this.repository.updateIfVersion(sp, current.id, current.version, set);
      if (!row) throw new Error(`product ${current.id} changed under its lock`);
      let variantRows = currentVariants;
      if (variants) {
        variantRows = variantRowsFor(row.id, item.variants ?? [], currentVariants);
        await this.repository.replaceVariants(sp, row.id, variantRows);
      }
      const product: Product = toProduct(row, variantRows);
      await this.outbox.add<ProductChangedEventData>(sp, CatalogEvents.productUpdated, { product });
      return { index, slug, outcome: 'changed', id: product.id, version: product.version };
    });
  }

  /** Runs one item's writes in a savepoint: a unique violation rejects the item and keeps the others. */
  private async inSavepoint(tx: Transaction, index: number, item: BulkProductItem, work: (sp: Transaction) => Promise<BulkItemOutcome>): Promise<BulkItemOutcome> {
    try {
      return await tx.transaction((sp) => work(sp as unknown as Transaction));
    } catch (err) {
      try {
        conflictFromUniqueViolation(err, item);
      } catch (mapped) {
        if (mapped instanceof RpcError) return { index, slug: item.slug, outcome: 'rejected', problems: (mapped.getError() as { details?: FieldProblem[] }).details ?? [{ field: 'item', problem: mapped.message }] };
        throw mapped;
      }
    }
  }
}

function variantRowsFor(productId: string, inputs: NonNullable<BulkProductItem['variants']>, existing: VariantRow[]): VariantRow[] {
  return inputs.map((v, position) => ({
    id: existing.find((e) => e.sku === v.sku)?.id ?? newId('var'),
    productId,
    sku: v.sku,
    position,
    attributes: v.attributes ?? {},
    media: v.media ?? [],
  }));
}

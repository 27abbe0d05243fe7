import { Injectable } from '@nestjs/common';
import {
  ArchiveProductRequest,
  CatalogEvents,
  CreateProductRequest,
  FieldProblem,
  GetProductRequest,
  ListProductsRequest,
  Product,
  ProductChangedEventData,
  ProductPage,
  UpdateProductRequest,
  VariantInput,
  newId,
} from '@omnibus/contracts';
import { Outbox, RpcError, Transaction } from '@omnibus/service-kit';
import { ProductRow, VariantRow } from './products.schema';
import { ProductsRepository, toProduct } from './products.repository';

/** Lower-cased names of every locale, searched by `q`. */
export function searchTextOf(name: Record<string, string>): string {
  return Object.values(name).join(' \u0001 ').toLowerCase();
}

/** SKUs repeated within one request: a caller error, reported before touching the database. */
export function duplicateSkuProblems(list: VariantInput[] | undefined): FieldProblem[] {
  const seen = new Map<string, number>();
  const problems: FieldProblem[] = [];
  (list ?? []).forEach((v, i) => {
    const first = seen.get(v.sku);
    if (first !== undefined) problems.push({ field: `variants.${i}.sku`, problem: `repeats the SKU "${v.sku}" of variants.${first}` });
    else seen.set(v.sku, i);
  });
  return problems;
}

export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^prd_[0-9a-z]{22}$/.test(id)) throw new RpcError('VALIDATION', 'cursor is not a cursor this API returned', [{ field: 'cursor', problem: 'is not a cursor this API returned' }]);
  return id;
}

/** Maps a unique-constraint violation to a conflict naming the field; rethrows anything else. */
export function conflictFromUniqueViolation(err: unknown, input: { slug?: string; variants?: VariantInput[] }): never {
  const cause = (err as { cause?: { code?: string; constraint?: string; detail?: string } })?.cause ?? (err as { code?: string; constraint?: string; detail?: string });
  if (cause?.code === '23505') {
    const text = `${cause.constraint ?? ''} ${cause.detail ?? ''}`;
    if (text.includes('slug')) throw new RpcError('CONFLICT', `slug "${input.slug}" is already used by another product`, [{ field: 'slug', problem: 'is already used by another product' }]);
    if (text.includes('sku')) {
      const sku = /\(sku\)=\(([^)]*)\)/.exec(text)?.[1];
      const index = input.variants?.findIndex((v) => v.sku === sku) ?? -1;
      throw new RpcError('CONFLICT', `SKU ${sku ? `"${sku}" ` : ''}is already used by another product`, [{ field: index >= 0 ? `variants.${index}.sku` : 'variants', problem: 'is already used by another product' }]);
    }
  }
  throw err;
}

/** The catalog's rules: every change in one transaction with its event in the outbox. */
@Injectable()
export class ProductsService {
  constructor(
    private readonly repository: ProductsRepository,
    private readonly outbox: Outbox,
  ) {}

  async create(req: CreateProductRequest): Promise<Product> {
    const problems = duplicateSkuProblems(req.variants);
    if (problems.length) throw new RpcError('VALIDATION', problems.map((p) => `${p.field}: ${p.problem}`).join('; '), problems);
    const now = new Date();
    const row: ProductRow = {
      id: newId('prd'),
      slug: req.slug,
      status: req.status ?? 'draft',
      name: req.name,
      description: req.description ?? {},
      categories: req.categories ?? [],
      channels: req.channels ?? [],
      attributes: req.attributes ?? {},
      media: req.media ?? [],
      searchText: searchTextOf(req.name),
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    const variantRows = this.variantRows(row.id, req.variants ?? [], []);
    const product = await this.transaction(req, async (tx) => {
      await this.repository.insert(tx, row, variantRows);
      const created = toProduct(row, variantRows);
      await this.outbox.add<ProductChangedEventData>(tx, CatalogEvents.productCreated, { product: created });
      return created;
    });
    return product;
  }

  async update(req: UpdateProductRequest): Promise<Product> {
    const { changes } = req;
    const problems = duplicateSkuProblems(changes.variants);
    if (problems.length) throw new RpcError('VALIDATION', problems.map((p) => `${p.field}: ${p.problem}`).join('; '), problems.map((p) => ({ ...p, field: `changes.${p.field}` })));
    return this.transaction(changes, async (tx) => {
      const set: Partial<ProductRow> = {};
      if (changes.slug !== undefined) set.slug = changes.slug;
      if (changes.name !== undefined) {
        set.name = changes.name;
        set.searchText = searchTextOf(changes.name);
      }
      if (changes.description !== undefined) set.description = changes.description;
      if (changes.status !== undefined) set.status = changes.status;
      if (changes.categories !== undefined) set.categories = changes.categories;
      if (changes.channels !== undefined) set.channels = changes.channels;
      if (changes.attributes !== undefined) set.attributes = changes.attributes;
      if (changes.media !== undefined) set.media = changes.media;
      const row = await this.repository.updateIfVersion(tx, req.id, req.expectedVersion, set);
      if (!row) throw await this.missingOrStale(tx, req.id, req.expectedVersion);
      let variantRows = await this.repository.variantsOf(tx, [row.id]);
      if (changes.variants !== undefined) {
        variantRows = this.variantRows(row.id, changes.variants, variantRows);
        await this.repository.replaceVariants(tx, row.id, variantRows);
      }
      const product = toProduct(row, variantRows);
      await this.outbox.add<ProductChangedEventData>(tx, CatalogEvents.productUpdated, { product });
      return product;
    });
  }

  async archive(req: ArchiveProductRequest): Promise<Product> {
    return this.transaction({}, async (tx) => {
      const current = await this.repository.findOne(tx, { id: req.id });
      if (!current) throw new RpcError('NOT_FOUND', `product ${req.id} does not exist`);
      if (req.expectedVersion !== undefined && req.expectedVersion !== current.version) throw await this.missingOrStale(tx, req.id, req.expectedVersion);
      if (current.status === 'archived') return current; // archiving twice changes nothing and emits nothing
      const row = await this.repository.updateIfVersion(tx, req.id, current.version, { status: 'archived' });
      if (!row) throw await this.missingOrStale(tx, req.id, current.version);
      const product: Product = { ...current, status: 'archived', version: row.version, updatedAt: new Date(row.updatedAt).toISOString() };
      await this.outbox.add<ProductChangedEventData>(tx, CatalogEvents.productArchived, { product });
      return product;
    });
  }

  async get(req: GetProductRequest): Promise<Product> {
    const given = [req.id, req.slug, req.sku].filter((v) => v !== undefined).length;
    if (given !== 1) throw new RpcError('VALIDATION', 'give exactly one of id, slug or sku', [{ field: 'id', problem: 'give exactly one of id, slug or sku' }]);
    const product = await this.repository.findOne(this.repository.db, req);
    if (!product) {
      const [what, value] = req.id ? ['id', req.id] : req.slug ? ['slug', req.slug] : ['SKU', req.sku];
      throw new RpcError('NOT_FOUND', `no product with ${what} "${value}"`);
    }
    return product;
  }

  async list(req: ListProductsRequest): Promise<ProductPage> {
    const limit = req.limit ?? 20;
    const items = await this.repository.list(this.repository.db, {
      category: req.category,
      status: req.status,
      channel: req.channel,
      q: req.q,
      afterId: req.cursor ? decodeCursor(req.cursor) : undefined,
      limit: limit + 1,
    });
    const page = items.slice(0, limit);
    return { items: page, nextCursor: items.length > limit ? encodeCursor(page[page.length - 1].id) : null };
  }

  private variantRows(productId: string, inputs: VariantInput[], existing: VariantRow[]): VariantRow[] {
    return inputs.map((v, position) => ({
      id: existing.find((e) => e.sku === v.sku)?.id ?? newId('var'),
      productId,
      sku: v.sku,
      position,
      attributes: v.attributes ?? {},
      media: v.media ?? [],
    }));
  }

  private async missingOrStale(tx: Transaction, id: string, expected: number): Promise<RpcError> {
    const version = await this.repository.versionOf(tx, id);
    if (version === null) return new RpcError('NOT_FOUND', `product ${id} does not exist`);
    return new RpcError('VERSION_CONFLICT', `product ${id} is at version ${version}, not ${expected}: read it again and retry`, [
      { field: 'version', problem: `is ${expected} but the product is at version ${version}` },
    ]);
  }

  /** Runs `work` in a transaction, maps unique violations, and wakes the outbox relay after commit. */
  private async transaction<T>(input: { slug?: string; variants?: VariantInput[] }, work: (tx: Transaction) => Promise<T>): Promise<T> {
    try {
      const result = await this.repository.db.transaction(work);
      this.outbox.committed();
      return result;
    } catch (err) {
      if (err instanceof RpcError) throw err;
      conflictFromUniqueViolation(err, input);
    }
  }
}

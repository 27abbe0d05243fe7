import { Injectable } from '@nestjs/common';
import { ContentField, DeliverEntriesRequest, DeliverEntryRequest, DeliveredEntry, DeliveredEntryPage, PreviewEntryRequest, SLUG_PATTERN } from '@omnibus/contracts';
import { RpcError } from '@omnibus/service-kit';
import { ContentTypesRepository } from '../types/content-types.repository';
import { TypeDefinitions } from '../types/type-definitions';
import { DeliveryRepository, FieldFilter, PublishedRow } from './delivery.repository';
import { ProductResolver } from './product-resolver';
import { Rendered, referencedSkus, render, shownIn, withResolvedProducts } from './render';

const MAX_FILTERS = 10;

export function encodeSlugCursor(slug: string): string {
  return Buffer.from(slug, 'utf8').toString('base64url');
}

export function decodeSlugCursor(cursor: string): string {
  const slug = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!SLUG_PATTERN.test(slug) || slug.length > 120) throw new RpcError('VALIDATION', 'cursor is not a cursor this API returned', [{ field: 'cursor', problem: 'is not a cursor this API returned' }]);
  return slug;
}

/**
 * Parses `name:value,name:value` against the type's fields. Only values that compare as a whole
 * can be filtered: text that is not localized, product and category references, lists of those.
 */
export function filtersOf(filter: string | undefined, fields: ContentField[], typeCode: string): FieldFilter[] {
  if (filter === undefined || filter.trim() === '') return [];
  const parts = filter.split(',');
  const problem = (text: string): never => {
    throw new RpcError('VALIDATION', `filter: ${text}`, [{ field: 'filter', problem: text }]);
  };
  if (parts.length > MAX_FILTERS) problem(`must have at most ${MAX_FILTERS} conditions`);
  return parts.map((part) => {
    const at = part.indexOf(':');
    if (at <= 0 || at === part.length - 1) problem(`"${part.slice(0, 40)}" is not name:value`);
    const name = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    const def = fields.find((f) => f.name === name);
    if (!def) return problem(`"${name.slice(0, 40)}" is not a field of the type "${typeCode}"`);
    const kind = def.kind === 'list' ? def.of : def.kind;
    if (def.localized || (kind !== 'text' && kind !== 'productRef' && kind !== 'categoryRef')) {
      problem(`"${name}" cannot be filtered on: only text that is not localized, productRef, categoryRef and lists of them`);
    }
    return { name, kind: kind as FieldFilter['kind'], list: def.kind === 'list', value };
  });
}

interface Piece {
  row: { id: string; type: string; slug: string; version: number; publishedAt: Date | null; defaultLocale: string };
  defs: ContentField[];
  rendered: Rendered;
}

/** What channels read: published entries, by slug or by type, in their variant and locale. */
@Injectable()
export class DeliveryService {
  constructor(
    private readonly repository: DeliveryRepository,
    private readonly types: ContentTypesRepository,
    private readonly definitions: TypeDefinitions,
    private readonly products: ProductResolver,
  ) {}

  async get(req: DeliverEntryRequest): Promise<DeliveredEntry> {
    const row = await this.repository.findPublished(req.type, req.slug);
    // An entry not shown in the channel is "not found" there, like one that does not exist.
    if (!row || !shownIn(row, req.channel)) throw new RpcError('NOT_FOUND', `no published ${req.type} "${req.slug}"${req.channel ? ` in the ${req.channel} channel` : ''}`);
    const [delivered] = await this.deliver([await this.piece(row, req)], req);
    return delivered;
  }

  async list(req: DeliverEntriesRequest): Promise<DeliveredEntryPage> {
    const type = await this.types.find(this.types.db, req.type);
    if (!type) throw new RpcError('NOT_FOUND', `there is no content type "${req.type}"`);
    const limit = req.limit ?? 20;
    const rows = await this.repository.listPublished({
      type: req.type,
      channel: req.channel,
      filters: filtersOf(req.filter, type.fields, type.code),
      afterSlug: req.cursor ? decodeSlugCursor(req.cursor) : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const items = await this.deliver(await Promise.all(page.map((row) => this.piece(row, req))), req);
    return { items, nextCursor: rows.length > limit ? encodeSlugCursor(page[page.length - 1].slug) : null };
  }

  /** The draft, rendered as the channel would see it once published (admin preview). */
  async preview(req: PreviewEntryRequest): Promise<DeliveredEntry> {
    const entry = await this.repository.findDraft(req.id);
    if (!entry) throw new RpcError('NOT_FOUND', `entry ${req.id} does not exist`);
    const source = { fields: entry.draftFields, variants: entry.draftVariants, channels: entry.draftChannels, defaultLocale: entry.draftDefaultLocale };
    if (!shownIn(source, req.channel)) throw new RpcError('NOT_FOUND', `entry ${req.id} is not shown in the ${req.channel} channel (its channels: ${entry.draftChannels.join(', ')})`);
    const defs = await this.definitions.fieldsOf(entry.type, entry.draftTypeVersion);
    const piece: Piece = {
      row: { id: entry.id, type: entry.type, slug: entry.slug, version: entry.draftVersion, publishedAt: null, defaultLocale: entry.draftDefaultLocale },
      defs,
      rendered: render(source, defs, req),
    };
    const [delivered] = await this.deliver([piece], req);
    return delivered;
  }

  private async piece(row: PublishedRow, req: { channel?: string; locale?: string }): Promise<Piece> {
    const defs = await this.definitions.fieldsOf(row.type, row.typeVersion);
    return { row, defs, rendered: render(row, defs, req) };
  }

  /** Resolves product references of every piece in one parallel batch when asked, then shapes the reply. */
  private async deliver(pieces: Piece[], req: { channel?: string; resolve?: 'products' }): Promise<DeliveredEntry[]> {
    if (req.resolve === 'products') {
      const skus = [...new Set(pieces.flatMap((p) => referencedSkus(p.rendered.fields, p.defs)))];
      if (skus.length) {
        const resolved = await this.products.resolve(skus, req.channel);
        for (const p of pieces) p.rendered.fields = withResolvedProducts(p.rendered.fields, p.defs, resolved);
      }
    }
    return pieces.map(({ row, rendered }) => ({
      id: row.id,
      type: row.type,
      slug: row.slug,
      version: row.version,
      publishedAt: row.publishedAt ? new Date(row.publishedAt).toISOString() : null,
      channel: req.channel ?? null,
      variant: rendered.variant,
      locale: rendered.locale,
      defaultLocale: row.defaultLocale,
      fields: rendered.fields,
      fieldLocales: rendered.fieldLocales,
    }));
  }
}


import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, DatabaseHandle } from '@omnibus/service-kit';
import { SQL, and, asc, eq, gt, isNotNull, sql } from 'drizzle-orm';
import { entries, entryVersions } from '../entries/entries.schema';

/** A filter on one field of the published content (see DeliveryService.filtersOf). */
export interface FieldFilter {
  name: string;
  kind: 'text' | 'productRef' | 'categoryRef';
  list: boolean;
  value: string;
}

const publishedColumns = {
  id: entries.id,
  type: entries.type,
  slug: entries.slug,
  version: entryVersions.version,
  typeVersion: entryVersions.typeVersion,
  defaultLocale: entryVersions.defaultLocale,
  fields: entryVersions.fields,
  variants: entryVersions.variants,
  channels: entryVersions.channels,
  publishedAt: entryVersions.publishedAt,
};

/** The published version of an entry, as delivery reads it. */
export interface PublishedRow {
  id: string;
  type: string;
  slug: string;
  version: number;
  typeVersion: number;
  defaultLocale: string;
  fields: Record<string, unknown>;
  variants: Record<string, { fields: Record<string, unknown> }>;
  channels: string[];
  publishedAt: Date;
}

/** Reads of published content for channels, and of drafts for previews. Nothing here writes. */
@Injectable()
export class DeliveryRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  private bySlug?: { execute(values: { type: string; slug: string }): Promise<PublishedRow[]> };

  /** The published version of the entry of `type` with `slug`: one prepared statement. */
  async findPublished(type: string, slug: string): Promise<PublishedRow | null> {
    this.bySlug ??= this.published()
      .where(and(eq(entries.type, sql.placeholder('type')), eq(entries.slug, sql.placeholder('slug'))))
      .limit(1)
      .prepare('content_delivery_by_slug') as unknown as { execute(values: { type: string; slug: string }): Promise<PublishedRow[]> };
    const rows = await this.bySlug.execute({ type, slug });
    return rows[0] ?? null;
  }

  /** Published entries of a type shown in `channel` (any, without), matching every filter, by slug. */
  async listPublished(query: { type: string; channel?: string; filters: FieldFilter[]; afterSlug?: string; limit: number }): Promise<PublishedRow[]> {
    const conditions: SQL[] = [eq(entries.type, query.type), isNotNull(entries.publishedVersion)];
    if (query.channel !== undefined) conditions.push(sql`(cardinality(${entryVersions.channels}) = 0 or ${query.channel}::text = any(${entryVersions.channels}))`);
    for (const filter of query.filters) {
      // The channel's variant value wins over the default, as in what the channel is shown.
      const value =
        query.channel !== undefined
          ? sql`coalesce(${entryVersions.variants} -> ${query.channel}::text -> 'fields' -> ${filter.name}::text, ${entryVersions.fields} -> ${filter.name}::text)`
          : sql`(${entryVersions.fields} -> ${filter.name}::text)`;
      const one = filter.kind === 'text' ? filter.value : filter.kind === 'productRef' ? { sku: filter.value } : { code: filter.value };
      if (filter.list) conditions.push(sql`${value} @> ${JSON.stringify([one])}::jsonb`);
      else if (filter.kind === 'text') conditions.push(sql`${value} = ${JSON.stringify(one)}::jsonb`);
      else conditions.push(sql`${value} @> ${JSON.stringify(one)}::jsonb`);
    }
    if (query.afterSlug !== undefined) conditions.push(gt(entries.slug, query.afterSlug));
    const rows = await this.published()
      .where(and(...conditions))
      .orderBy(asc(entries.slug))
      .limit(query.limit);
    return rows as PublishedRow[];
  }

  async findDraft(id: string) {
    const rows = await this.database.db.select().from(entries).where(eq(entries.id, id));
    return rows[0] ?? null;
  }

  private published() {
    return this.database.db
      .select(publishedColumns)
      .from(entries)
      .innerJoin(entryVersions, and(eq(entryVersions.entryId, entries.id), eq(entryVersions.version, entries.publishedVersion)))
      .$dynamic();
  }
}

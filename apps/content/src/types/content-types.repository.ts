import { Inject, Injectable } from '@nestjs/common';
import type { ContentType } from '@omnibus/contracts';
import { DATABASE, DatabaseHandle, Queryable, queryRows } from '@omnibus/service-kit';
import { and, asc, eq, sql } from 'drizzle-orm';
import { ContentTypeRow, contentTypeVersions, contentTypes } from './content-types.schema';

/** The only place that queries content types (and counts entries using a field, for type changes). */
@Injectable()
export class ContentTypesRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  /** Inserts a type and its first version. */
  async insert(tx: Queryable, row: ContentTypeRow): Promise<void> {
    await tx.insert(contentTypes).values(row);
    await this.insertVersion(tx, row);
  }

  async insertVersion(tx: Queryable, row: ContentTypeRow): Promise<void> {
    await tx.insert(contentTypeVersions).values({ code: row.code, version: row.version, name: row.name, defaultLocale: row.defaultLocale, fields: row.fields, createdAt: row.updatedAt });
  }

  /**
   * The type, row-locked: `update` for a type change; `share` while an entry is validated against
   * it, so a type change and an entry save of the same type never interleave.
   */
  async findLocked(tx: Queryable, code: string, mode: 'update' | 'share'): Promise<ContentTypeRow | null> {
    const rows = await tx.select().from(contentTypes).where(eq(contentTypes.code, code)).for(mode);
    return rows[0] ?? null;
  }

  async find(tx: Queryable, code: string): Promise<ContentTypeRow | null> {
    const rows = await tx.select().from(contentTypes).where(eq(contentTypes.code, code));
    return rows[0] ?? null;
  }

  async list(tx: Queryable): Promise<ContentTypeRow[]> {
    return tx.select().from(contentTypes).orderBy(asc(contentTypes.code));
  }

  async update(tx: Queryable, row: ContentTypeRow): Promise<void> {
    await tx
      .update(contentTypes)
      .set({ name: row.name, defaultLocale: row.defaultLocale, fields: row.fields, version: row.version, updatedAt: row.updatedAt })
      .where(eq(contentTypes.code, row.code));
  }

  async findVersion(tx: Queryable, code: string, version: number) {
    const rows = await tx.select().from(contentTypeVersions).where(and(eq(contentTypeVersions.code, code), eq(contentTypeVersions.version, version)));
    return rows[0] ?? null;
  }

  /** How many entries of the type hold a value for `field` in their draft, published version or scheduled draft. */
  async entriesUsingField(tx: Queryable, code: string, field: string): Promise<number> {
    const rows = await queryRows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from entries e
          left join entry_versions v on v.entry_id = e.id and v.version = e.published_version
          where e.type = ${code} and (
            e.draft_fields ? ${field}
            or exists (select 1 from jsonb_each(e.draft_variants) d where d.value -> 'fields' ? ${field})
            or coalesce(v.fields ? ${field}, false)
            or exists (select 1 from jsonb_each(coalesce(v.variants, '{}'::jsonb)) d where d.value -> 'fields' ? ${field})
            or coalesce(e.scheduled -> 'fields' ? ${field}, false)
            or exists (select 1 from jsonb_each(coalesce(e.scheduled -> 'variants', '{}'::jsonb)) d where d.value -> 'fields' ? ${field})
          )`,
    );
    return Number(rows[0]?.n ?? 0);
  }
}

export function toContentType(row: ContentTypeRow): ContentType {
  return {
    code: row.code,
    name: row.name,
    defaultLocale: row.defaultLocale,
    fields: row.fields,
    version: row.version,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, DatabaseHandle, Queryable } from '@omnibus/service-kit';
import { SQL, and, asc, desc, eq, gt, isNotNull, isNull, lte } from 'drizzle-orm';
import { EntryRow, EntryVersionRow, entries, entryVersions } from './entries.schema';

export interface EntryFilter {
  type?: string;
  status?: 'draft' | 'published' | 'scheduled';
  afterId?: string;
  limit: number;
}

/** An entry with the version channels read now (null when unpublished). */
export interface EntryWithPublication {
  entry: EntryRow;
  publication: EntryVersionRow | null;
}

/** The only place that queries entries and their published versions (delivery reads aside). */
@Injectable()
export class EntriesRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  async insert(tx: Queryable, row: EntryRow): Promise<void> {
    await tx.insert(entries).values(row);
  }

  /** The entry, row-locked until the transaction ends: every change of an entry goes through this. */
  async findLocked(tx: Queryable, id: string): Promise<EntryRow | null> {
    const rows = await tx.select().from(entries).where(eq(entries.id, id)).for('update');
    return rows[0] ?? null;
  }

  /** The next scheduled publication that is due and not taken by another replica, row-locked. */
  async claimDue(tx: Queryable, now: Date): Promise<EntryRow | null> {
    const rows = await tx
      .select()
      .from(entries)
      .where(and(isNotNull(entries.publishAt), lte(entries.publishAt, now)))
      .orderBy(asc(entries.publishAt), asc(entries.id))
      .limit(1)
      .for('update', { skipLocked: true });
    return rows[0] ?? null;
  }

  async update(tx: Queryable, id: string, changes: Partial<EntryRow>): Promise<EntryRow> {
    const rows = await tx.update(entries).set(changes).where(eq(entries.id, id)).returning();
    return rows[0];
  }

  async insertVersion(tx: Queryable, row: EntryVersionRow): Promise<void> {
    await tx.insert(entryVersions).values(row);
  }

  async findVersion(tx: Queryable, entryId: string, version: number): Promise<EntryVersionRow | null> {
    const rows = await tx.select().from(entryVersions).where(and(eq(entryVersions.entryId, entryId), eq(entryVersions.version, version)));
    return rows[0] ?? null;
  }

  /** Published versions, newest first. */
  async versions(tx: Queryable, entryId: string, limit: number): Promise<EntryVersionRow[]> {
    return tx.select().from(entryVersions).where(eq(entryVersions.entryId, entryId)).orderBy(desc(entryVersions.version)).limit(limit);
  }

  async findWithPublication(tx: Queryable, id: string): Promise<EntryWithPublication | null> {
    const rows = await this.withPublication(tx).where(eq(entries.id, id));
    return rows[0] ?? null;
  }

  async list(tx: Queryable, filter: EntryFilter): Promise<EntryWithPublication[]> {
    const conditions: SQL[] = [];
    if (filter.type) conditions.push(eq(entries.type, filter.type));
    if (filter.status === 'draft') conditions.push(isNull(entries.publishedVersion));
    if (filter.status === 'published') conditions.push(isNotNull(entries.publishedVersion));
    if (filter.status === 'scheduled') conditions.push(isNotNull(entries.publishAt));
    if (filter.afterId) conditions.push(gt(entries.id, filter.afterId));
    return this.withPublication(tx)
      .where(and(...conditions))
      .orderBy(asc(entries.id))
      .limit(filter.limit);
  }

  private withPublication(tx: Queryable) {
    return tx
      .select({ entry: entries, publication: entryVersions })
      .from(entries)
      .leftJoin(entryVersions, and(eq(entryVersions.entryId, entries.id), eq(entryVersions.version, entries.publishedVersion)))
      .$dynamic();
  }
}

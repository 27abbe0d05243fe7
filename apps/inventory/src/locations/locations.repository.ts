import { Inject, Injectable } from '@nestjs/common';
import type { Location } from '@omnibus/contracts';
import { DATABASE, DatabaseHandle, Queryable } from '@omnibus/service-kit';
import { SQL, and, arrayContains, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import { LocationRow, locations } from './locations.schema';

/** The only place that queries the locations table. */
@Injectable()
export class LocationsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  async insert(tx: Queryable, row: LocationRow): Promise<void> {
    await tx.insert(locations).values(row);
  }

  /** Applies `changes` when the stored version is `expectedVersion` (any version when undefined). */
  async update(tx: Queryable, id: string, expectedVersion: number | undefined, changes: Partial<LocationRow>): Promise<LocationRow | null> {
    const rows = await tx
      .update(locations)
      .set({ ...changes, version: sql`${locations.version} + 1`, updatedAt: new Date() })
      .where(and(eq(locations.id, id), expectedVersion === undefined ? undefined : eq(locations.version, expectedVersion)))
      .returning();
    return rows[0] ?? null;
  }

  async findById(tx: Queryable, id: string): Promise<LocationRow | null> {
    const rows = await tx.select().from(locations).where(eq(locations.id, id));
    return rows[0] ?? null;
  }

  async findByIds(tx: Queryable, ids: string[]): Promise<LocationRow[]> {
    if (ids.length === 0) return [];
    return tx.select().from(locations).where(inArray(locations.id, ids));
  }

  async list(tx: Queryable, filter: { channel?: string; kind?: string; activeOnly?: boolean; afterId?: string; limit: number }): Promise<LocationRow[]> {
    const conditions: SQL[] = [];
    if (filter.channel) conditions.push(arrayContains(locations.channels, [filter.channel]));
    if (filter.kind) conditions.push(eq(locations.kind, filter.kind as LocationRow['kind']));
    if (filter.activeOnly) conditions.push(eq(locations.active, true));
    if (filter.afterId) conditions.push(gt(locations.id, filter.afterId));
    return tx
      .select()
      .from(locations)
      .where(and(...conditions))
      .orderBy(asc(locations.id))
      .limit(filter.limit);
  }
}

export function toLocation(row: LocationRow): Location {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    kind: row.kind,
    address: row.address,
    geo: { latitude: row.latitude, longitude: row.longitude },
    timezone: row.timezone,
    openingHours: row.openingHours,
    ships: row.ships,
    pickup: row.pickup,
    channels: row.channels,
    priority: row.priority,
    active: row.active,
    version: row.version,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

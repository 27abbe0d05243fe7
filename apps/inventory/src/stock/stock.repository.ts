import { Inject, Injectable } from '@nestjs/common';
import type { LocationKind, MovementReason, StockLevel, StockMovement } from '@omnibus/contracts';
import { DATABASE, DatabaseHandle, Queryable, queryRows } from '@omnibus/service-kit';
import { SQL, and, desc, eq, lt, sql } from 'drizzle-orm';
import { MovementRow, stockMovements } from './stock.schema';

/** One stock level, named by SKU and location. */
export interface LevelKey {
  sku: string;
  locationId: string;
}

/** New figures for a level the caller holds locked. */
export interface LevelUpdate extends LevelKey {
  onHand: number;
  reserved: number;
}

export interface NewMovement extends LevelKey {
  delta: number;
  onHandAfter: number;
  reason: MovementReason;
  reference: string | null;
}

/** A level at an active location, with what availability answers need about the location. */
export interface LevelAtLocation extends StockLevel {
  code: string;
  name: string;
  kind: LocationKind;
  ships: boolean;
  pickup: boolean;
  priority: number;
  channels: string[];
}

interface LevelRow {
  sku: string;
  location_id: string;
  on_hand: number;
  reserved: number;
  available: number;
  version: number;
  updated_at: string | Date;
}

const LEVEL_COLUMNS = sql.raw('s.sku, s.location_id, s.on_hand, s.reserved, s.available, s.version, s.updated_at');

export const levelKey = (k: LevelKey) => `${k.sku}\u0000${k.locationId}`;

/** Orders keys by SKU then location: every writer locks levels in this order, so none deadlock. */
export function byLockOrder(a: LevelKey, b: LevelKey): number {
  return a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0;
}

export function toLevel(r: LevelRow): StockLevel {
  return {
    sku: r.sku,
    locationId: r.location_id,
    onHand: Number(r.on_hand),
    reserved: Number(r.reserved),
    available: Number(r.available),
    version: Number(r.version),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** A level that has no row yet: nothing on hand, nothing reserved. */
export function emptyLevel(key: LevelKey): StockLevel {
  return { sku: key.sku, locationId: key.locationId, onHand: 0, reserved: 0, available: 0, version: 0, updatedAt: new Date().toISOString() };
}

const arrays = (keys: LevelKey[]) => ({ skus: sql.param(keys.map((k) => k.sku)), locations: sql.param(keys.map((k) => k.locationId)) });

/** The only place that queries stock levels and movements. */
@Injectable()
export class StockRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  /**
   * Locks the levels of `keys` in lock order and returns them; with `create`, missing ones are first
   * inserted empty (so they can be locked too).
   */
  /** Records a receipt key; returns the earlier receipt when the key was used before (nothing recorded). */
  async recordReceipt(tx: Queryable, req: { key: string; locationId: string; reason: string; reference?: string; lines: { sku: string; quantity: number }[] }) {
    const lines = req.lines.map((l) => ({ sku: l.sku, quantity: l.quantity }));
    const inserted = await queryRows<{ key: string }>(
      tx,
      sql`insert into stock_receipts (key, location_id, reason, reference, lines) values (${req.key}, ${req.locationId}, ${req.reason}, ${req.reference ?? null}, ${JSON.stringify(lines)}::jsonb)
          on conflict (key) do nothing returning key`,
    );
    if (inserted.length) return null;
    const [row] = await queryRows<{ location_id: string; reason: 'return' | 'receipt'; lines: { sku: string; quantity: number }[] }>(
      tx,
      sql`select location_id, reason, lines from stock_receipts where key = ${req.key}`,
    );
    return { locationId: row.location_id, reason: row.reason, lines: row.lines };
  }

  async lockLevels(tx: Queryable, keys: LevelKey[], create: LevelKey[] = []): Promise<Map<string, StockLevel>> {
    if (keys.length === 0) return new Map();
    if (create.length) {
      const sorted = [...create].sort(byLockOrder);
      const { skus, locations } = arrays(sorted);
      await tx.execute(
        sql`insert into stock_levels (sku, location_id, on_hand) select sku, location_id, 0 from unnest(${skus}::text[], ${locations}::text[]) as t(sku, location_id)
            on conflict (sku, location_id) do nothing`,
      );
    }
    const { skus, locations } = arrays(keys);
    const rows = await queryRows<LevelRow>(
      tx,
      sql`select ${LEVEL_COLUMNS} from stock_levels s
          where (s.sku, s.location_id) in (select sku, location_id from unnest(${skus}::text[], ${locations}::text[]) as t(sku, location_id))
          order by s.sku, s.location_id for update`,
    );
    return new Map(rows.map((r) => [levelKey({ sku: r.sku, locationId: r.location_id }), toLevel(r)]));
  }

  /** Writes new figures of levels the caller locked; returns them as stored. */
  async writeLevels(tx: Queryable, updates: LevelUpdate[]): Promise<StockLevel[]> {
    if (updates.length === 0) return [];
    const { skus, locations } = arrays(updates);
    const rows = await queryRows<LevelRow>(
      tx,
      sql`update stock_levels s set on_hand = v.on_hand, reserved = v.reserved, version = s.version + 1, updated_at = now()
          from unnest(${skus}::text[], ${locations}::text[], ${sql.param(updates.map((u) => u.onHand))}::int[], ${sql.param(updates.map((u) => u.reserved))}::int[])
            as v(sku, location_id, on_hand, reserved)
          where s.sku = v.sku and s.location_id = v.location_id
          returning ${LEVEL_COLUMNS}`,
    );
    return rows.map(toLevel).sort(byLockOrder);
  }

  /**
   * Reserves each line at its location only if every condition holds for it: the SKU is known and
   * its product not archived, the location is active (and supplies `channel` when given), and
   * on hand − reserved covers the quantity. Returns the levels it changed: fewer than the lines
   * means some line was short, and the caller must roll back.
   */
  async reserve(tx: Queryable, lines: (LevelKey & { quantity: number })[], channel: string | null): Promise<StockLevel[]> {
    const channelCondition = sql`l.active and (${channel}::text is null or ${channel}::text = any(l.channels))`;
    if (lines.length === 1) {
      const [line] = lines;
      // One row: its own lock is the only one taken, so no ordering is needed.
      const rows = await queryRows<LevelRow>(
        tx,
        sql`update stock_levels s set reserved = s.reserved + ${line.quantity}, version = s.version + 1, updated_at = now()
            from known_skus k, locations l
            where s.sku = ${line.sku} and s.location_id = ${line.locationId} and s.on_hand - s.reserved >= ${line.quantity}
              and k.sku = s.sku and k.product_status <> 'archived' and l.id = s.location_id and ${channelCondition}
            returning ${LEVEL_COLUMNS}`,
      );
      return rows.map(toLevel);
    }
    const sorted = [...lines].sort(byLockOrder);
    await this.lockLevels(tx, sorted);
    const { skus, locations } = arrays(sorted);
    const rows = await queryRows<LevelRow>(
      tx,
      sql`update stock_levels s set reserved = s.reserved + v.quantity, version = s.version + 1, updated_at = now()
          from unnest(${skus}::text[], ${locations}::text[], ${sql.param(sorted.map((l) => l.quantity))}::int[]) as v(sku, location_id, quantity), known_skus k, locations l
          where s.sku = v.sku and s.location_id = v.location_id and s.on_hand - s.reserved >= v.quantity
            and k.sku = s.sku and k.product_status <> 'archived' and l.id = s.location_id and ${channelCondition}
          returning ${LEVEL_COLUMNS}`,
    );
    return rows.map(toLevel).sort(byLockOrder);
  }

  /**
   * Levels of `skus` at active locations (those that supply `channel`, when given), with location
   * facts, in allocation order (priority, then code).
   */
  async levelsAtLocations(tx: Queryable, skus: string[], channel: string | undefined, options: { pickupOnly?: boolean } = {}): Promise<LevelAtLocation[]> {
    if (skus.length === 0) return [];
    const rows = await queryRows<LevelRow & { code: string; name: string; kind: LocationKind; ships: boolean; pickup: boolean; priority: number; channels: string[] }>(
      tx,
      sql`select ${LEVEL_COLUMNS}, l.code, l.name, l.kind, l.ships, l.pickup, l.priority, l.channels
          from stock_levels s join locations l on l.id = s.location_id
          where s.sku = any(${sql.param(skus)}::text[]) and l.active
            ${channel ? sql`and ${channel}::text = any(l.channels)` : sql``}
            ${options.pickupOnly ? sql`and l.pickup` : sql``}
          order by l.priority, l.code, s.sku`,
    );
    return rows.map((r) => ({ ...toLevel(r), code: r.code, name: r.name, kind: r.kind, ships: r.ships, pickup: r.pickup, priority: Number(r.priority), channels: r.channels }));
  }

  async insertMovements(tx: Queryable, movements: (NewMovement & { id: string })[]): Promise<void> {
    for (let i = 0; i < movements.length; i += 5000) {
      const chunk = movements.slice(i, i + 5000);
      const col = <K extends keyof NewMovement | 'id'>(k: K) => sql.param(chunk.map((m) => (m as unknown as Record<string, unknown>)[k]));
      await tx.execute(
        sql`insert into stock_movements (id, sku, location_id, delta, on_hand_after, reason, reference)
            select * from unnest(${col('id')}::text[], ${col('sku')}::text[], ${col('locationId')}::text[], ${col('delta')}::int[], ${col('onHandAfter')}::int[], ${col('reason')}::text[], ${col('reference')}::text[])`,
      );
    }
  }

  async listMovements(tx: Queryable, filter: { sku?: string; locationId?: string; reference?: string; beforeId?: string; limit: number }): Promise<StockMovement[]> {
    const conditions: SQL[] = [];
    if (filter.sku) conditions.push(eq(stockMovements.sku, filter.sku));
    if (filter.locationId) conditions.push(eq(stockMovements.locationId, filter.locationId));
    if (filter.reference) conditions.push(eq(stockMovements.reference, filter.reference));
    if (filter.beforeId) conditions.push(lt(stockMovements.id, filter.beforeId));
    const rows = await tx
      .select()
      .from(stockMovements)
      .where(and(...conditions))
      .orderBy(desc(stockMovements.id))
      .limit(filter.limit);
    return rows.map(toMovement);
  }
}

export function toMovement(row: MovementRow): StockMovement {
  return {
    id: row.id,
    sku: row.sku,
    locationId: row.locationId,
    delta: row.delta,
    onHandAfter: row.onHandAfter,
    reason: row.reason,
    reference: row.reference,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

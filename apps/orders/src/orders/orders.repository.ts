import { Inject, Injectable } from '@nestjs/common';
import type { Order, OrderStatus } from '@omnibus/contracts';
import { DATABASE, DatabaseHandle, Queryable } from '@omnibus/service-kit';
import { SQL, and, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { claimStalled, releasePending } from '../db/pending';
import { OrderRow, PendingChange, orders } from './orders.schema';

export function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    channel: row.channel,
    customerId: row.customerId,
    externalId: row.externalId,
    status: row.status,
    fulfilment: row.fulfilment,
    currency: row.currency,
    lines: row.lines,
    subtotal: row.subtotal,
    discountTotal: row.discountTotal,
    total: row.total,
    couponCodes: row.couponCodes,
    contact: row.contact,
    note: row.note,
    reservationId: row.reservationId,
    history: row.history,
    version: row.version,
    placedAt: new Date(row.placedAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

export interface OrderFilter {
  customerId?: string;
  channel?: string;
  status?: OrderStatus;
  externalId?: string;
  /** Keyset: orders placed before this one (newest first). */
  before?: { placedAt: Date; id: string };
  limit: number;
}

@Injectable()
export class OrdersRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  async find(db: Queryable, id: string, lock = false): Promise<OrderRow | undefined> {
    const query = db.select().from(orders).where(eq(orders.id, id));
    const [row] = lock ? await query.for('update') : await query;
    return row;
  }

  /** Writes the order's new state if it is still at `version`; false when someone changed it first. */
  async update(tx: Queryable, row: OrderRow, version: number): Promise<boolean> {
    const changed = await tx
      .update(orders)
      .set({ status: row.status, fulfilment: row.fulfilment, lines: row.lines, history: row.history, version: row.version, updatedAt: row.updatedAt })
      .where(and(eq(orders.id, row.id), eq(orders.version, version)))
      .returning({ id: orders.id });
    return changed.length === 1;
  }

  /** Writes a status change down before its stock effect; false when the order changed or already has one pending. */
  async startChange(id: string, version: number, pending: PendingChange, until: Date): Promise<boolean> {
    const rows = await this.db
      .update(orders)
      .set({ pending, pendingUntil: until })
      .where(and(eq(orders.id, id), eq(orders.version, version), isNull(orders.pending)))
      .returning({ id: orders.id });
    return rows.length === 1;
  }

  /**
   * Takes over pending changes whose runner stopped (their time ran out): the order `id` only, or up to
   * `limit` of them; each replica claims different ones (SKIP LOCKED) and holds them until `until`.
   */
  async claimStalledChanges(token: string, until: Date, options: { id?: string; limit: number }): Promise<OrderRow[]> {
    const ids = await claimStalled(this.db, 'orders', token, until, options);
    return ids.length ? this.db.select().from(orders).where(inArray(orders.id, ids)) : [];
  }

  /** Ends a pending change with the order's new state, if `token` still holds it. */
  async finishChange(tx: Queryable, next: OrderRow, token: string): Promise<boolean> {
    const changed = await tx
      .update(orders)
      .set({ status: next.status, fulfilment: next.fulfilment, history: next.history, version: next.version, updatedAt: next.updatedAt, pending: null, pendingUntil: null })
      .where(and(eq(orders.id, next.id), sql`${orders.pending} ->> 'token' = ${token}`))
      .returning({ id: orders.id });
    return changed.length === 1;
  }

  /** Drops a pending change (the inventory refused its stock effect: nothing happened), if `token` still holds it. */
  dropChange(id: string, token: string): Promise<void> {
    return releasePending(this.db, 'orders', id, token, 'drop');
  }

  /** Hands a pending change to the recovery loop (or a retry) now: its runner could not reach a service. */
  letGoOfChange(id: string, token: string): Promise<void> {
    return releasePending(this.db, 'orders', id, token, 'let-go');
  }

  async list(db: Queryable, filter: OrderFilter): Promise<OrderRow[]> {
    const conditions: SQL[] = [];
    if (filter.customerId) conditions.push(eq(orders.customerId, filter.customerId));
    if (filter.channel) conditions.push(eq(orders.channel, filter.channel));
    if (filter.status) conditions.push(eq(orders.status, filter.status));
    if (filter.externalId) conditions.push(eq(orders.externalId, filter.externalId));
    if (filter.before) {
      const { placedAt, id } = filter.before;
      conditions.push(or(lt(orders.placedAt, placedAt), and(eq(orders.placedAt, placedAt), sql`${orders.id} < ${id}`)) as SQL);
    }
    return db
      .select()
      .from(orders)
      .where(and(...conditions))
      .orderBy(desc(orders.placedAt), desc(orders.id))
      .limit(filter.limit);
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { Order, OrderStatus } from '@omnibus/contracts';
import { DATABASE, DatabaseHandle, Queryable } from '@omnibus/service-kit';
import { SQL, and, desc, eq, lt, or, sql } from 'drizzle-orm';
import { OrderRow, orders } from './orders.schema';

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

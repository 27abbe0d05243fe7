import { Inject, Injectable } from '@nestjs/common';
import type { OrderReturn } from '@omnibus/contracts';
import { DATABASE, DatabaseHandle, Queryable, queryRows } from '@omnibus/service-kit';
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { claimStalled, releasePending } from '../db/pending';
import { ReturnRow, orderReturns } from './returns.schema';

export function toReturn(row: ReturnRow): OrderReturn {
  return {
    id: row.id,
    orderId: row.orderId,
    channel: row.channel,
    customerId: row.customerId,
    status: row.status,
    reason: row.reason,
    restockLocationId: row.restockLocationId,
    lines: row.lines,
    currency: row.currency,
    refundTotal: row.refundTotal,
    createdBy: row.createdBy,
    decisionReason: row.decisionReason,
    createdAt: new Date(row.createdAt).toISOString(),
    decidedAt: row.decidedAt ? new Date(row.decidedAt).toISOString() : null,
  };
}

@Injectable()
export class ReturnsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  async insert(tx: Queryable, row: ReturnRow): Promise<void> {
    await tx.insert(orderReturns).values(row);
  }

  async find(db: Queryable, id: string): Promise<ReturnRow | undefined> {
    const [row] = await db.select().from(orderReturns).where(eq(orderReturns.id, id));
    return row;
  }

  async ofOrder(db: Queryable, orderId: string): Promise<ReturnRow[]> {
    return db.select().from(orderReturns).where(eq(orderReturns.orderId, orderId)).orderBy(asc(orderReturns.createdAt), asc(orderReturns.id));
  }

  /** Rejects a requested return; undefined when it was decided already, or is being accepted. */
  async reject(tx: Queryable, id: string, reason: string | null): Promise<ReturnRow | undefined> {
    const [row] = await tx
      .update(orderReturns)
      .set({ status: 'rejected', decisionReason: reason, decidedAt: new Date() })
      .where(and(eq(orderReturns.id, id), eq(orderReturns.status, 'requested'), isNull(orderReturns.pending)))
      .returning();
    return row;
  }

  /** Writes an acceptance down before its restock; undefined when the return is decided or already being accepted. */
  async startAcceptance(id: string, token: string, reason: string | null, until: Date): Promise<ReturnRow | undefined> {
    const [row] = await this.db
      .update(orderReturns)
      .set({ pending: { token, reason }, pendingUntil: until })
      .where(and(eq(orderReturns.id, id), eq(orderReturns.status, 'requested'), isNull(orderReturns.pending)))
      .returning();
    return row;
  }

  /**
   * Takes over acceptances whose runner stopped (their time ran out): the return `id` only, or up to
   * `limit` of them; each replica claims different ones (SKIP LOCKED) and holds them until `until`.
   */
  async claimStalledAcceptances(token: string, until: Date, options: { id?: string; limit: number }): Promise<ReturnRow[]> {
    const ids = await claimStalled(this.db, 'order_returns', token, until, options);
    return ids.length ? this.db.select().from(orderReturns).where(inArray(orderReturns.id, ids)) : [];
  }

  /** Marks the return accepted (with the reason given when it was started), if `token` still holds its acceptance. */
  async finishAcceptance(tx: Queryable, id: string, token: string): Promise<ReturnRow | undefined> {
    const [row] = await tx
      .update(orderReturns)
      .set({ status: 'accepted', decisionReason: sql`${orderReturns.pending} ->> 'reason'`, decidedAt: new Date(), pending: null, pendingUntil: null })
      .where(and(eq(orderReturns.id, id), eq(orderReturns.status, 'requested'), sql`${orderReturns.pending} ->> 'token' = ${token}`))
      .returning();
    return row;
  }

  /** What the order's accepted returns refund in all. */
  async acceptedRefunds(tx: Queryable, orderId: string): Promise<number> {
    const [row] = await queryRows<{ total: string | number }>(tx, sql`select coalesce(sum(refund_total), 0) as total from order_returns where order_id = ${orderId} and status = 'accepted'`);
    return Number(row.total);
  }

  /** Drops an acceptance the inventory refused (nothing was restocked), if `token` still holds it. */
  dropAcceptance(id: string, token: string): Promise<void> {
    return releasePending(this.db, 'order_returns', id, token, 'drop');
  }

  /** Hands an acceptance to the recovery loop (or a retry) now: its runner could not reach the inventory. */
  letGoOfAcceptance(id: string, token: string): Promise<void> {
    return releasePending(this.db, 'order_returns', id, token, 'let-go');
  }
}

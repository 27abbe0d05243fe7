import { Inject, Injectable } from '@nestjs/common';
import type { OrderReturn, ReturnStatus } from '@omnibus/contracts';
import { DATABASE, DatabaseHandle, Queryable } from '@omnibus/service-kit';
import { and, asc, eq } from 'drizzle-orm';
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

  /** Decides a requested return; undefined when it was decided already. */
  async decide(tx: Queryable, id: string, status: Exclude<ReturnStatus, 'requested'>, reason: string | null): Promise<ReturnRow | undefined> {
    const [row] = await tx
      .update(orderReturns)
      .set({ status, decisionReason: reason, decidedAt: new Date() })
      .where(and(eq(orderReturns.id, id), eq(orderReturns.status, 'requested')))
      .returning();
    return row;
  }
}

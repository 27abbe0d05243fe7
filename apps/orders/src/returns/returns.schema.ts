import type { ReturnLine, ReturnStatus } from '@omnibus/contracts';
import { bigint, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors db/migrations; the SQL files are the source of truth for the database.
export const orderReturns = pgTable('order_returns', {
  id: text('id').primaryKey(),
  orderId: text('order_id').notNull(),
  channel: text('channel'),
  customerId: text('customer_id'),
  status: text('status').$type<ReturnStatus>().notNull(),
  reason: text('reason').notNull(),
  restockLocationId: text('restock_location_id').notNull(),
  lines: jsonb('lines').$type<ReturnLine[]>().notNull(),
  currency: text('currency').notNull(),
  refundTotal: bigint('refund_total', { mode: 'number' }).notNull(),
  createdBy: text('created_by').notNull(),
  decisionReason: text('decision_reason'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  decidedAt: timestamp('decided_at', { withTimezone: true }),
  /** An acceptance whose restock may have happened: finished by its runner or by the recovery loop. */
  pending: jsonb('pending').$type<{ token: string; reason: string | null }>(),
  pendingUntil: timestamp('pending_until', { withTimezone: true }),
});

export type ReturnRow = typeof orderReturns.$inferSelect;

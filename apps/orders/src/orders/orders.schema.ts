import type { Fulfilment, OrderAction, OrderContact, OrderLine, OrderStatus, OrderStatusChange } from '@omnibus/contracts';
import type { StockEffect } from './lifecycle';

/** A status change written down before its stock effect, finished by its runner or by the recovery loop. */
export interface PendingChange {
  /** The runner holding it; another may take it over once pending_until passed. */
  token: string;
  action: OrderAction;
  to: OrderStatus;
  stock: StockEffect;
  /** Coupon uses given back (a cancellation). */
  releaseCoupons: boolean;
  change: OrderStatusChange;
  fulfilment: Fulfilment;
}
import { bigint, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors db/migrations; the SQL files are the source of truth for the database.
export const orders = pgTable('orders', {
  id: text('id').primaryKey(),
  channel: text('channel').notNull(),
  customerId: text('customer_id'),
  externalId: text('external_id'),
  status: text('status').$type<OrderStatus>().notNull(),
  fulfilment: jsonb('fulfilment').$type<Fulfilment>().notNull(),
  currency: text('currency').notNull(),
  lines: jsonb('lines').$type<OrderLine[]>().notNull(),
  subtotal: bigint('subtotal', { mode: 'number' }).notNull(),
  discountTotal: bigint('discount_total', { mode: 'number' }).notNull(),
  total: bigint('total', { mode: 'number' }).notNull(),
  couponCodes: text('coupon_codes').array().notNull(),
  contact: jsonb('contact').$type<OrderContact>(),
  note: text('note'),
  reservationId: text('reservation_id').notNull(),
  reservationKey: text('reservation_key').notNull(),
  history: jsonb('history').$type<OrderStatusChange[]>().notNull(),
  version: integer('version').notNull(),
  placedAt: timestamp('placed_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  pending: jsonb('pending').$type<PendingChange>(),
  pendingUntil: timestamp('pending_until', { withTimezone: true }),
});

export type OrderRow = typeof orders.$inferSelect;

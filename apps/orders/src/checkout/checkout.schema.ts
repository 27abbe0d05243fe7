import type { PlaceOrderRequest, Quote, Reservation, RpcErrorBody } from '@omnibus/contracts';
import { integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export type CheckoutStatus = 'running' | 'compensating' | 'completed' | 'failed';
/** price: customer, quote, B2B limit, coupons · reserve: stock · record: the order row · done. */
export type CheckoutStep = 'price' | 'reserve' | 'record' | 'done';

/** What the saga's steps learned, stored with the step that learned it. */
export interface CheckoutProgress {
  customer?: { id: string; pricingGroup: string; companyId: string | null } | null;
  quote?: Quote;
  reservation?: Reservation;
}

// Mirrors db/migrations; the SQL files are the source of truth for the database.
export const checkouts = pgTable('checkouts', {
  id: text('id').primaryKey(),
  channel: text('channel').notNull(),
  idempotencyKey: text('idempotency_key').notNull(),
  requestHash: text('request_hash').notNull(),
  request: jsonb('request').$type<PlaceOrderRequest>().notNull(),
  externalId: text('external_id'),
  status: text('status').$type<CheckoutStatus>().notNull(),
  step: text('step').$type<CheckoutStep>().notNull(),
  progress: jsonb('progress').$type<CheckoutProgress>().notNull(),
  error: jsonb('error').$type<RpcErrorBody>(),
  leaseToken: text('lease_token'),
  leaseUntil: timestamp('lease_until', { withTimezone: true }).notNull(),
  attempts: integer('attempts').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export type CheckoutRow = typeof checkouts.$inferSelect;

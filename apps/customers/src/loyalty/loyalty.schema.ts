import type { LoyaltyEntryKind } from '@omnibus/contracts';
import { bigint, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors db/migrations; the SQL files are the source of truth for the database.
export const loyaltyAccounts = pgTable('loyalty_accounts', {
  customerId: text('customer_id').primaryKey(),
  balance: bigint('balance', { mode: 'number' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const loyaltyEntries = pgTable('loyalty_entries', {
  id: text('id').primaryKey(),
  customerId: text('customer_id').notNull(),
  kind: text('kind').$type<LoyaltyEntryKind>().notNull(),
  points: integer('points').notNull(),
  balanceAfter: bigint('balance_after', { mode: 'number' }).notNull(),
  idempotencyKey: text('idempotency_key').notNull(),
  orderId: text('order_id'),
  reason: text('reason'),
  channel: text('channel'),
  remaining: integer('remaining').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

export type LoyaltyEntryRow = typeof loyaltyEntries.$inferSelect;

import type { PriceListStatus } from '@omnibus/contracts';
import { bigint, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors db/migrations; the SQL files are the source of truth for the database.
export const priceLists = pgTable('price_lists', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  description: text('description').notNull(),
  priority: integer('priority').notNull(),
  status: text('status').$type<PriceListStatus>().notNull(),
  version: integer('version').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const prices = pgTable('prices', {
  id: text('id').primaryKey(),
  priceListId: text('price_list_id').notNull(),
  sku: text('sku').notNull(),
  amount: bigint('amount', { mode: 'number' }).notNull(),
  currency: text('currency').notNull(),
  channel: text('channel'),
  customerGroup: text('customer_group'),
  country: text('country'),
  minQuantity: integer('min_quantity').notNull(),
  validFrom: timestamp('valid_from', { withTimezone: true }),
  validUntil: timestamp('valid_until', { withTimezone: true }),
  version: integer('version').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export type PriceListRow = typeof priceLists.$inferSelect;
export type PriceRow = typeof prices.$inferSelect;

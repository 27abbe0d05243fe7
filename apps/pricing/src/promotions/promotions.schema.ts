import type { Discount, Money, ProductSelector, PromotionStatus, StackingRule } from '@omnibus/contracts';
import { integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors db/migrations; the SQL files are the source of truth for the database.
export const promotions = pgTable('promotions', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  description: text('description').notNull(),
  status: text('status').$type<PromotionStatus>().notNull(),
  priority: integer('priority').notNull(),
  stacking: text('stacking').$type<StackingRule>().notNull(),
  validFrom: timestamp('valid_from', { withTimezone: true }),
  validUntil: timestamp('valid_until', { withTimezone: true }),
  channels: text('channels').array().notNull(),
  customerGroups: text('customer_groups').array().notNull(),
  minCartValue: jsonb('min_cart_value').$type<Money>(),
  discount: jsonb('discount').$type<Discount>().notNull(),
  products: jsonb('products').$type<ProductSelector>(),
  version: integer('version').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export type PromotionRow = typeof promotions.$inferSelect;

import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors db/migrations; the SQL files are the source of truth for the database.
export const knownProducts = pgTable('known_products', {
  productId: text('product_id').primaryKey(),
  status: text('status').notNull(),
  version: integer('version').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const knownSkus = pgTable('known_skus', {
  sku: text('sku').primaryKey(),
  productId: text('product_id').notNull(),
  productStatus: text('product_status').notNull(),
  productVersion: integer('product_version').notNull(),
});

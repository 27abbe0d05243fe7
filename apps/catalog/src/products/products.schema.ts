import type { Attributes, LocalizedText, Media, ProductStatus } from '@omnibus/contracts';
import { integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors db/migrations; the SQL files are the source of truth for the database.
export const products = pgTable('products', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  status: text('status').$type<ProductStatus>().notNull(),
  name: jsonb('name').$type<LocalizedText>().notNull(),
  description: jsonb('description').$type<LocalizedText>().notNull(),
  categories: text('categories').array().notNull(),
  channels: text('channels').array().notNull(),
  attributes: jsonb('attributes').$type<Attributes>().notNull(),
  media: jsonb('media').$type<Media[]>().notNull(),
  searchText: text('search_text').notNull(),
  version: integer('version').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const variants = pgTable('variants', {
  id: text('id').primaryKey(),
  productId: text('product_id').notNull(),
  sku: text('sku').notNull().unique(),
  position: integer('position').notNull(),
  attributes: jsonb('attributes').$type<Attributes>().notNull(),
  media: jsonb('media').$type<Media[]>().notNull(),
});

export type ProductRow = typeof products.$inferSelect;
export type VariantRow = typeof variants.$inferSelect;

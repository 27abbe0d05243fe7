import type { Attributes, ProductStatus } from '@omnibus/contracts';
import { integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';

// Pricing's copy of the catalog data promotions need; mirrors db/migrations.
export const catalogProducts = pgTable('catalog_products', {
  productId: text('product_id').primaryKey(),
  status: text('status').$type<ProductStatus>().notNull(),
  categories: text('categories').array().notNull(),
  attributes: jsonb('attributes').$type<Attributes>().notNull(),
  version: integer('version').notNull(),
});

export const catalogVariants = pgTable('catalog_variants', {
  sku: text('sku').primaryKey(),
  productId: text('product_id').notNull(),
  attributes: jsonb('attributes').$type<Attributes>().notNull(),
});

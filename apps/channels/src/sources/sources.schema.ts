import type { Product } from '@omnibus/contracts';
import { bigint, boolean, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors db/migrations: the service's copies of catalog, pricing and inventory, fed by their events.
export const sourceProducts = pgTable('source_products', {
  id: text('id').primaryKey(),
  version: integer('version').notNull(),
  product: jsonb('product').$type<Product>().notNull(),
});

export const sourceSkus = pgTable('source_skus', {
  sku: text('sku').primaryKey(),
  productId: text('product_id').notNull(),
});

export const sourcePriceLists = pgTable('source_price_lists', {
  id: text('id').primaryKey(),
  priority: integer('priority').notNull(),
  status: text('status').notNull(),
  version: integer('version').notNull(),
});

export const sourcePrices = pgTable(
  'source_prices',
  {
    sku: text('sku').notNull(),
    scopeKey: text('scope_key').notNull(),
    priceListId: text('price_list_id').notNull(),
    currency: text('currency').notNull(),
    channel: text('channel'),
    customerGroup: text('customer_group'),
    country: text('country'),
    minQuantity: integer('min_quantity').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    validFrom: timestamp('valid_from', { withTimezone: true }),
    validUntil: timestamp('valid_until', { withTimezone: true }),
    priceId: text('price_id').notNull(),
    version: integer('version').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sku, t.scopeKey] })],
);

export const sourceLocations = pgTable('source_locations', {
  id: text('id').primaryKey(),
  code: text('code').notNull(),
  channels: text('channels').array().notNull(),
  active: boolean('active').notNull(),
  version: integer('version').notNull(),
});

export const sourceStock = pgTable(
  'source_stock',
  {
    sku: text('sku').notNull(),
    locationId: text('location_id').notNull(),
    onHand: integer('on_hand').notNull(),
    reserved: integer('reserved').notNull(),
    available: integer('available').notNull(),
    version: integer('version').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sku, t.locationId] })],
);

export const sourceState = pgTable('source_state', {
  source: text('source').primaryKey(),
  events: bigint('events', { mode: 'number' }).notNull(),
  lastEventAt: timestamp('last_event_at', { withTimezone: true }),
});

export const jobState = pgTable('job_state', {
  name: text('name').primaryKey(),
  at: timestamp('at', { withTimezone: true }).notNull(),
});

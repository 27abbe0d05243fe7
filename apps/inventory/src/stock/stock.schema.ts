import type { MovementReason } from '@omnibus/contracts';
import { sql } from 'drizzle-orm';
import { integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors db/migrations; the SQL files are the source of truth for the database.
export const stockLevels = pgTable(
  'stock_levels',
  {
    sku: text('sku').notNull(),
    locationId: text('location_id').notNull(),
    onHand: integer('on_hand').notNull(),
    reserved: integer('reserved').notNull(),
    available: integer('available').generatedAlwaysAs(sql`greatest(on_hand - reserved, 0)`),
    version: integer('version').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.sku, t.locationId] })],
);

export const stockMovements = pgTable('stock_movements', {
  id: text('id').primaryKey(),
  sku: text('sku').notNull(),
  locationId: text('location_id').notNull(),
  delta: integer('delta').notNull(),
  onHandAfter: integer('on_hand_after').notNull(),
  reason: text('reason').$type<MovementReason>().notNull(),
  reference: text('reference'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

export type MovementRow = typeof stockMovements.$inferSelect;

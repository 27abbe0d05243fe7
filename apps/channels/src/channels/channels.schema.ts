import type { AssortmentRule, ChannelKind, PriceScopeRule, StockScopeRule } from '@omnibus/contracts';
import { bigint, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors db/migrations; the SQL files are the source of truth for the database.
export const channels = pgTable('channels', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind').$type<ChannelKind>().notNull(),
  assortment: jsonb('assortment').$type<AssortmentRule>().notNull(),
  priceScope: jsonb('price_scope').$type<PriceScopeRule | null>(),
  stockScope: jsonb('stock_scope').$type<StockScopeRule>().notNull(),
  locales: text('locales').array().notNull(),
  version: integer('version').notNull(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
  lastEntryAt: timestamp('last_entry_at', { withTimezone: true }),
  readSeq: bigint('read_seq', { mode: 'number' }),
  readAt: timestamp('read_at', { withTimezone: true }),
  snapshotStatus: text('snapshot_status').$type<'building' | 'ready'>().notNull(),
  snapshotReason: text('snapshot_reason'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const channelRefreshJobs = pgTable('channel_refresh_jobs', {
  channel: text('channel').primaryKey(),
  reason: text('reason').notNull(),
  afterProductId: text('after_product_id').notNull(),
  requestedAt: timestamp('requested_at', { withTimezone: true }).notNull(),
});

export type ChannelRow = typeof channels.$inferSelect;

import type { ChannelView, FeedAspect, FeedEntryKind } from '@omnibus/contracts';
import { bigint, boolean, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors db/migrations.
export const channelViews = pgTable(
  'channel_views',
  {
    channel: text('channel').notNull(),
    productId: text('product_id').notNull(),
    version: integer('version').notNull(),
    present: boolean('present').notNull(),
    view: jsonb('view').$type<ChannelView | null>(),
    hash: text('hash'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.channel, t.productId] })],
);

export const feedEntries = pgTable(
  'feed_entries',
  {
    channel: text('channel').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    id: text('id').notNull().unique(),
    productId: text('product_id').notNull(),
    kind: text('kind').$type<FeedEntryKind>().notNull(),
    version: integer('version').notNull(),
    aspects: text('aspects').array().$type<FeedAspect[]>().notNull(),
    fullView: boolean('full_view').notNull(),
    changes: jsonb('changes').$type<Record<string, unknown> | null>(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.channel, t.seq] })],
);

export type ViewRow = typeof channelViews.$inferSelect;
export type FeedEntryRow = typeof feedEntries.$inferSelect;

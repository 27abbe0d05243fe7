import type { WebhookKind } from '@omnibus/contracts';
import { bigint, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors db/migrations.
export const webhookSubscriptions = pgTable('webhook_subscriptions', {
  id: text('id').primaryKey(),
  channel: text('channel').notNull(),
  url: text('url').notNull(),
  secret: text('secret').notNull(),
  kinds: text('kinds').array().$type<WebhookKind[]>().notNull(),
  status: text('status').$type<'active' | 'deleted'>().notNull(),
  failures: bigint('failures', { mode: 'number' }).notNull(),
  lastError: text('last_error'),
  lastDeliveredAt: timestamp('last_delivered_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  deletedAt: timestamp('deleted_at', { withTimezone: true }),
});

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    subscriptionId: text('subscription_id').notNull(),
    entrySeq: bigint('entry_seq', { mode: 'number' }).notNull(),
    channel: text('channel').notNull(),
    entryId: text('entry_id').notNull(),
    productId: text('product_id').notNull(),
    status: text('status').$type<'pending' | 'delivered' | 'dead'>().notNull(),
    attempts: integer('attempts').notNull(),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
    leasedUntil: timestamp('leased_until', { withTimezone: true }),
    lastError: text('last_error'),
    lastStatus: integer('last_status'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    deadAt: timestamp('dead_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.subscriptionId, t.entrySeq] })],
);

export type SubscriptionRow = typeof webhookSubscriptions.$inferSelect;

import type { ReservationLine, ReservationStatus } from '@omnibus/contracts';
import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors db/migrations; the SQL files are the source of truth for the database.
export const reservations = pgTable('reservations', {
  id: text('id').primaryKey(),
  key: text('key').notNull().unique(),
  channel: text('channel'),
  status: text('status').$type<ReservationStatus>().notNull(),
  lines: jsonb('lines').$type<ReservationLine[]>().notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export type ReservationRow = typeof reservations.$inferSelect;

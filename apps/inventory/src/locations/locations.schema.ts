import type { LocationAddress, LocationKind, OpeningPeriod } from '@omnibus/contracts';
import { boolean, doublePrecision, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors db/migrations; the SQL files are the source of truth for the database.
export const locations = pgTable('locations', {
  id: text('id').primaryKey(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  kind: text('kind').$type<LocationKind>().notNull(),
  address: jsonb('address').$type<LocationAddress>().notNull(),
  latitude: doublePrecision('latitude').notNull(),
  longitude: doublePrecision('longitude').notNull(),
  timezone: text('timezone').notNull(),
  openingHours: jsonb('opening_hours').$type<OpeningPeriod[]>().notNull(),
  ships: boolean('ships').notNull(),
  pickup: boolean('pickup').notNull(),
  channels: text('channels').array().notNull(),
  priority: integer('priority').notNull(),
  active: boolean('active').notNull(),
  version: integer('version').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export type LocationRow = typeof locations.$inferSelect;

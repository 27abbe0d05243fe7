import type { ContentField } from '@omnibus/contracts';
import { integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors db/migrations; the SQL files are the source of truth for the database.
export const contentTypes = pgTable('content_types', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  defaultLocale: text('default_locale'),
  fields: jsonb('fields').$type<ContentField[]>().notNull(),
  version: integer('version').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const contentTypeVersions = pgTable(
  'content_type_versions',
  {
    code: text('code').notNull(),
    version: integer('version').notNull(),
    name: text('name').notNull(),
    defaultLocale: text('default_locale'),
    fields: jsonb('fields').$type<ContentField[]>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.code, t.version] })],
);

export type ContentTypeRow = typeof contentTypes.$inferSelect;

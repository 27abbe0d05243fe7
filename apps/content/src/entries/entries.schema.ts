import type { ChannelVariants, ContentFieldValues } from '@omnibus/contracts';
import { boolean, integer, jsonb, pgTable, primaryKey, text, timestamp, unique } from 'drizzle-orm/pg-core';

/** The draft as it was when a publication was scheduled. */
export interface ScheduledDraft {
  fields: ContentFieldValues;
  variants: ChannelVariants;
  channels: string[];
  defaultLocale: string;
  draftVersion: number;
  typeVersion: number;
}

// Mirrors db/migrations; the SQL files are the source of truth for the database.
export const entries = pgTable(
  'entries',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    slug: text('slug').notNull(),
    draftFields: jsonb('draft_fields').$type<ContentFieldValues>().notNull(),
    draftVariants: jsonb('draft_variants').$type<ChannelVariants>().notNull(),
    draftChannels: text('draft_channels').array().notNull(),
    draftDefaultLocale: text('draft_default_locale').notNull(),
    draftVersion: integer('draft_version').notNull(),
    draftTypeVersion: integer('draft_type_version').notNull(),
    publishedVersion: integer('published_version'),
    lastVersion: integer('last_version').notNull(),
    publishAt: timestamp('publish_at', { withTimezone: true }),
    scheduled: jsonb('scheduled').$type<ScheduledDraft>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [unique('entries_type_slug').on(t.type, t.slug)],
);

export const entryVersions = pgTable(
  'entry_versions',
  {
    entryId: text('entry_id').notNull(),
    version: integer('version').notNull(),
    typeVersion: integer('type_version').notNull(),
    defaultLocale: text('default_locale').notNull(),
    fields: jsonb('fields').$type<ContentFieldValues>().notNull(),
    variants: jsonb('variants').$type<ChannelVariants>().notNull(),
    channels: text('channels').array().notNull(),
    fromDraftVersion: integer('from_draft_version'),
    rolledBackFrom: integer('rolled_back_from'),
    scheduled: boolean('scheduled').notNull(),
    publishedAt: timestamp('published_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.entryId, t.version] })],
);

export type EntryRow = typeof entries.$inferSelect;
export type EntryVersionRow = typeof entryVersions.$inferSelect;

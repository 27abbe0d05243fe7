import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsInt, IsISO8601, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { CODE_PATTERN, SLUG_PATTERN } from '../catalog/product';
import { CONTENT_LOCALE_PATTERN } from './content-type';

/** An entry id: `ent_…`. */
export const ENTRY_ID_PATTERN = /^ent_[0-9a-z]{22}$/;
const ENTRY_ID_MESSAGE = { message: 'id must be an entry id (ent_…)' };
const LOCALE_MESSAGE = { message: 'defaultLocale must be a locale like "en" or "de-AT"' };

/** Field values by field name; checked against the entry's type (see docs/content.md). */
export type ContentFieldValues = Record<string, unknown>;
/** Per-channel overrides: `{ "app": { "fields": { "title": { "en": "…" } } } }`. */
export type ChannelVariants = Record<string, { fields: ContentFieldValues }>;

/** Members of a draft besides its field values. */
class EntryDraftOptions {
  /** Channel variants: per channel, field values that replace the default's for that channel. */
  @IsOptional()
  @IsObject()
  variants?: ChannelVariants;

  /** Channels that show the entry; empty or absent = every channel. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @Matches(CODE_PATTERN, { each: true, message: 'each channel must be lower-case letters, digits and dashes' })
  channels?: string[];

  /** The locale every localized field falls back to. */
  @IsOptional()
  @Matches(CONTENT_LOCALE_PATTERN, LOCALE_MESSAGE)
  defaultLocale?: string;
}

/** What an editor edits: the draft. Present members replace the stored ones. */
export class EntryDraftChanges extends EntryDraftOptions {
  /** Field values; validated against the type, replaced as a whole. */
  @IsOptional()
  @IsObject()
  fields?: ContentFieldValues;
}

export class CreateEntryRequest extends EntryDraftOptions {
  /** The content type's code. */
  @Matches(CODE_PATTERN, { message: 'type must be a content type code' })
  type!: string;

  /** Unique within the type; cannot change later. */
  @Matches(SLUG_PATTERN, { message: 'slug must be lower-case letters and digits separated by single dashes' })
  @MaxLength(120)
  slug!: string;

  /** Field values; validated against the type. */
  @IsObject()
  fields!: ContentFieldValues;
}

export class UpdateEntryRequest {
  @Matches(ENTRY_ID_PATTERN, ENTRY_ID_MESSAGE)
  id!: string;

  /** The draft version the caller last read; a stale one is refused with VERSION_CONFLICT. */
  @IsInt()
  @Min(1)
  expectedVersion!: number;

  @ValidateNested()
  @Type(() => EntryDraftChanges)
  changes!: EntryDraftChanges;
}

export class EntryIdRequest {
  @Matches(ENTRY_ID_PATTERN, ENTRY_ID_MESSAGE)
  id!: string;
}

export const ENTRY_STATUSES = ['draft', 'published', 'scheduled'] as const;

export class ListEntriesRequest {
  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'type must be a content type code' })
  type?: string;

  /** `draft`: never or no longer published; `published`: published now; `scheduled`: a publication waits. */
  @IsOptional()
  @IsIn(ENTRY_STATUSES)
  status?: (typeof ENTRY_STATUSES)[number];

  @IsOptional()
  @Type(() => Number) // arrives as text in a query string
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  /** The `nextCursor` of the previous page. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

/** Publish the draft now, or at `publishAt` (a scheduled publication of the draft as it is now). */
export class PublishEntryBody {
  /** ISO 8601 time in the future; absent = publish now. */
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'publishAt must be an ISO 8601 date-time, e.g. 2026-12-01T08:00:00Z' })
  publishAt?: string;
}

export class PublishEntryRequest extends PublishEntryBody {
  @Matches(ENTRY_ID_PATTERN, ENTRY_ID_MESSAGE)
  id!: string;

  /** When given, the draft must still be at this version (publish exactly what was reviewed). */
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

export class RollbackEntryBody {
  /** The published version to publish again. */
  @IsInt()
  @Min(1)
  version!: number;
}

export class RollbackEntryRequest extends RollbackEntryBody {
  @Matches(ENTRY_ID_PATTERN, ENTRY_ID_MESSAGE)
  id!: string;
}

/** The draft of an entry (what editors work on; channels never see it). */
export class EntryDraft {
  fields!: ContentFieldValues;
  variants!: ChannelVariants;
  channels!: string[];
  defaultLocale!: string;
  /** Increases on every save; the ETag of the entry. */
  version!: number;
  /** The type version the draft was last validated against. */
  typeVersion!: number;
  updatedAt!: string;
}

/** The version channels read now. */
export class EntryPublication {
  version!: number;
  publishedAt!: string;
  /** The draft version it was made from; null for a rollback. */
  fromDraftVersion!: number | null;
  /** The earlier version it republished, for a rollback; else null. */
  rolledBackFrom!: number | null;
}

/** A publication that waits for its time: the draft as it was when scheduled. */
export class EntrySchedule {
  publishAt!: string;
  draftVersion!: number;
}

/** An entry as editors see it (management API). */
export class ContentEntry {
  /** `ent_…` */
  id!: string;
  type!: string;
  slug!: string;
  /** `published` when channels see a version now, else `draft`. */
  status!: 'draft' | 'published';
  draft!: EntryDraft;
  published!: EntryPublication | null;
  schedule!: EntrySchedule | null;
  createdAt!: string;
  updatedAt!: string;
}

export class ContentEntryPage {
  items!: ContentEntry[];
  nextCursor!: string | null;
}

/** One published version (history). */
export class EntryVersion {
  version!: number;
  publishedAt!: string;
  fields!: ContentFieldValues;
  variants!: ChannelVariants;
  channels!: string[];
  defaultLocale!: string;
  typeVersion!: number;
  fromDraftVersion!: number | null;
  rolledBackFrom!: number | null;
  /** Published by the scheduler rather than by an editor's call. */
  scheduled!: boolean;
}

export class EntryHistory {
  entryId!: string;
  /** The version channels read now; null when unpublished. */
  currentVersion!: number | null;
  /** Newest first. */
  items!: EntryVersion[];
}

/** `data` of `content.entry.published` (version 1): the published version in full. */
export interface EntryPublishedEventData {
  entry: {
    id: string;
    type: string;
    slug: string;
    version: number;
    typeVersion: number;
    defaultLocale: string;
    channels: string[];
    fields: ContentFieldValues;
    variants: ChannelVariants;
    publishedAt: string;
    fromDraftVersion: number | null;
    rolledBackFrom: number | null;
    scheduled: boolean;
  };
}

/** `data` of `content.entry.unpublished` (version 1): channels no longer see the entry. */
export interface EntryUnpublishedEventData {
  entry: { id: string; type: string; slug: string; version: number; unpublishedAt: string };
}

import { Inject, Injectable } from '@nestjs/common';
import {
  ContentEntry,
  ContentEntryPage,
  ContentEvents,
  CreateEntryRequest,
  EntryHistory,
  EntryIdRequest,
  EntryPublishedEventData,
  EntryUnpublishedEventData,
  EntryVersion,
  FieldProblem,
  ListEntriesRequest,
  PublishEntryRequest,
  RollbackEntryRequest,
  UpdateEntryRequest,
  newId,
} from '@omnibus/contracts';
import { Outbox, RpcError, Transaction } from '@omnibus/service-kit';
import { CONTENT_CONFIG, ContentConfig } from '../config';
import { ContentTypesRepository } from '../types/content-types.repository';
import { ContentTypeRow } from '../types/content-types.schema';
import { EntriesRepository, EntryWithPublication } from './entries.repository';
import { EntryRow, EntryVersionRow, ScheduledDraft } from './entries.schema';
import { DraftContent, draftProblems, normalizeDraft } from './field-values';

/** Most versions the history returns (newest first). */
export const HISTORY_LIMIT = 100;

function problemsMessage(problems: FieldProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.problem}`).join('; ');
}

export function encodeEntryCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

export function decodeEntryCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^ent_[0-9a-z]{22}$/.test(id)) throw new RpcError('VALIDATION', 'cursor is not a cursor this API returned', [{ field: 'cursor', problem: 'is not a cursor this API returned' }]);
  return id;
}

/** The management view of an entry. */
export function toContentEntry({ entry, publication }: EntryWithPublication): ContentEntry {
  return {
    id: entry.id,
    type: entry.type,
    slug: entry.slug,
    status: entry.publishedVersion !== null ? 'published' : 'draft',
    draft: {
      fields: entry.draftFields,
      variants: entry.draftVariants,
      channels: entry.draftChannels,
      defaultLocale: entry.draftDefaultLocale,
      version: entry.draftVersion,
      typeVersion: entry.draftTypeVersion,
      updatedAt: new Date(entry.updatedAt).toISOString(),
    },
    published: publication
      ? { version: publication.version, publishedAt: new Date(publication.publishedAt).toISOString(), fromDraftVersion: publication.fromDraftVersion, rolledBackFrom: publication.rolledBackFrom }
      : null,
    schedule: entry.publishAt && entry.scheduled ? { publishAt: new Date(entry.publishAt).toISOString(), draftVersion: entry.scheduled.draftVersion } : null,
    createdAt: new Date(entry.createdAt).toISOString(),
    updatedAt: new Date(entry.updatedAt).toISOString(),
  };
}

export function toEntryVersion(row: EntryVersionRow): EntryVersion {
  return {
    version: row.version,
    publishedAt: new Date(row.publishedAt).toISOString(),
    fields: row.fields,
    variants: row.variants,
    channels: row.channels,
    defaultLocale: row.defaultLocale,
    typeVersion: row.typeVersion,
    fromDraftVersion: row.fromDraftVersion,
    rolledBackFrom: row.rolledBackFrom,
    scheduled: row.scheduled,
  };
}

function draftOf(entry: EntryRow): DraftContent {
  return { fields: entry.draftFields, variants: entry.draftVariants, channels: entry.draftChannels, defaultLocale: entry.draftDefaultLocale };
}

/** What one publication publishes: a draft (now or scheduled) or an earlier version (rollback). */
interface Publication {
  content: DraftContent;
  typeVersion: number;
  fromDraftVersion: number | null;
  rolledBackFrom: number | null;
  scheduled: boolean;
}

/**
 * Entries: editors change the draft; publishing copies it into a new, immutable version that
 * channels read. Every change of an entry holds its row lock; every publication and withdrawal
 * writes its event to the outbox in the same transaction.
 */
@Injectable()
export class EntriesService {
  constructor(
    private readonly repository: EntriesRepository,
    private readonly types: ContentTypesRepository,
    private readonly outbox: Outbox,
    @Inject(CONTENT_CONFIG) private readonly config: ContentConfig,
  ) {}

  async create(req: CreateEntryRequest): Promise<ContentEntry> {
    return this.transaction(req.slug, async (tx) => {
      const type = await this.types.findLocked(tx, req.type, 'share');
      if (!type) throw new RpcError('VALIDATION', `type: there is no content type "${req.type}"`, [{ field: 'type', problem: `is not a content type (create "${req.type}" first)` }]);
      const draft = normalizeDraft({
        fields: req.fields,
        variants: req.variants ?? {},
        channels: req.channels ?? [],
        defaultLocale: req.defaultLocale ?? type.defaultLocale ?? this.config.DEFAULT_LOCALE,
      });
      this.checkDraft(draft, type);
      const now = new Date();
      const row: EntryRow = {
        id: newId('ent'),
        type: type.code,
        slug: req.slug,
        draftFields: draft.fields,
        draftVariants: draft.variants,
        draftChannels: draft.channels,
        draftDefaultLocale: draft.defaultLocale,
        draftVersion: 1,
        draftTypeVersion: type.version,
        publishedVersion: null,
        lastVersion: 0,
        publishAt: null,
        scheduled: null,
        createdAt: now,
        updatedAt: now,
      };
      await this.repository.insert(tx, row);
      return toContentEntry({ entry: row, publication: null });
    });
  }

  /** Saves the draft; channels keep reading the published version. */
  async update(req: UpdateEntryRequest): Promise<ContentEntry> {
    return this.transaction(undefined, async (tx) => {
      const entry = await this.locked(tx, req.id);
      if (entry.draftVersion !== req.expectedVersion) throw this.staleDraft(entry, req.expectedVersion);
      const type = await this.typeOf(tx, entry);
      const { changes } = req;
      const draft = normalizeDraft({
        fields: changes.fields ?? entry.draftFields,
        variants: changes.variants ?? entry.draftVariants,
        channels: changes.channels ?? entry.draftChannels,
        defaultLocale: changes.defaultLocale ?? entry.draftDefaultLocale,
      });
      this.checkDraft(draft, type, 'changes.');
      const row = await this.repository.update(tx, entry.id, {
        draftFields: draft.fields,
        draftVariants: draft.variants,
        draftChannels: draft.channels,
        draftDefaultLocale: draft.defaultLocale,
        draftVersion: entry.draftVersion + 1,
        draftTypeVersion: type.version,
        updatedAt: new Date(),
      });
      return toContentEntry({ entry: row, publication: await this.publicationOf(tx, row) });
    });
  }

  /**
   * Publishes the draft now, or schedules it (`publishAt`): the draft as it is now is what the
   * scheduler will publish, whatever editors change later. Publishing a draft version that is
   * already the published one changes nothing and emits nothing, so a retried call is harmless.
   */
  async publish(req: PublishEntryRequest): Promise<ContentEntry> {
    const publishAt = req.publishAt === undefined ? undefined : new Date(req.publishAt);
    if (publishAt && !(publishAt.getTime() > Date.now())) throw new RpcError('VALIDATION', 'publishAt: must be in the future (leave it out to publish now)', [{ field: 'publishAt', problem: 'must be in the future (leave it out to publish now)' }]);
    return this.transaction(undefined, async (tx) => {
      const entry = await this.locked(tx, req.id);
      if (req.expectedVersion !== undefined && entry.draftVersion !== req.expectedVersion) throw this.staleDraft(entry, req.expectedVersion);
      const type = await this.typeOf(tx, entry);
      const draft = draftOf(entry);
      const problems = draftProblems(draft, type);
      if (problems.length) throw new RpcError('VALIDATION', `the draft does not fit the type "${type.code}" (version ${type.version}): ${problemsMessage(problems)}`, problems);
      if (publishAt) {
        const scheduled: ScheduledDraft = { ...draft, draftVersion: entry.draftVersion, typeVersion: type.version };
        const row = await this.repository.update(tx, entry.id, { publishAt, scheduled, updatedAt: new Date() });
        return toContentEntry({ entry: row, publication: await this.publicationOf(tx, row) });
      }
      return this.publishIn(tx, entry, { content: draft, typeVersion: type.version, fromDraftVersion: entry.draftVersion, rolledBackFrom: null, scheduled: false });
    });
  }

  /** Cancels a scheduled publication; nothing to cancel is not an error. */
  async unschedule(req: EntryIdRequest): Promise<ContentEntry> {
    return this.transaction(undefined, async (tx) => {
      const entry = await this.locked(tx, req.id);
      const row = entry.publishAt ? await this.repository.update(tx, entry.id, { publishAt: null, scheduled: null, updatedAt: new Date() }) : entry;
      return toContentEntry({ entry: row, publication: await this.publicationOf(tx, row) });
    });
  }

  /** Channels stop seeing the entry; its history stays. Unpublishing twice emits one event. */
  async unpublish(req: EntryIdRequest): Promise<ContentEntry> {
    return this.transaction(undefined, async (tx) => {
      const entry = await this.locked(tx, req.id);
      if (entry.publishedVersion === null) return toContentEntry({ entry, publication: null });
      const now = new Date();
      const row = await this.repository.update(tx, entry.id, { publishedVersion: null, updatedAt: now });
      await this.outbox.add<EntryUnpublishedEventData>(tx, ContentEvents.entryUnpublished, {
        entry: { id: entry.id, type: entry.type, slug: entry.slug, version: entry.publishedVersion, unpublishedAt: now.toISOString() },
      });
      return toContentEntry({ entry: row, publication: null });
    });
  }

  /**
   * Publishes an earlier version again, as a new version (history only grows). The version must
   * still fit the type as it is now. Rolling back to what is already published changes nothing.
   * The draft is left as it is.
   */
  async rollback(req: RollbackEntryRequest): Promise<ContentEntry> {
    return this.transaction(undefined, async (tx) => {
      const entry = await this.locked(tx, req.id);
      const target = await this.repository.findVersion(tx, entry.id, req.version);
      if (!target) throw new RpcError('NOT_FOUND', `entry ${entry.id} has no published version ${req.version}`, [{ field: 'version', problem: `is not a published version of this entry (latest: ${entry.lastVersion || 'none'})` }]);
      const current = await this.publicationOf(tx, entry);
      if (current && (current.version === req.version || current.rolledBackFrom === req.version)) return toContentEntry({ entry, publication: current });
      const type = await this.typeOf(tx, entry);
      const content: DraftContent = { fields: target.fields, variants: target.variants, channels: target.channels, defaultLocale: target.defaultLocale };
      const problems = draftProblems(content, type);
      if (problems.length) {
        throw new RpcError('CONFLICT', `version ${req.version} does not fit the type "${type.code}" as it is now (version ${type.version}): ${problemsMessage(problems)}`, problems.map((p) => ({ field: `version.${p.field}`, problem: p.problem })));
      }
      return this.publishIn(tx, entry, { content, typeVersion: type.version, fromDraftVersion: null, rolledBackFrom: req.version, scheduled: false });
    });
  }

  /**
   * Publishes scheduled drafts that are due, one transaction each. Rows are claimed with
   * FOR UPDATE SKIP LOCKED, so replicas sweeping at the same time never publish one twice.
   */
  async publishDue(max = 100, now = () => new Date()): Promise<number> {
    let published = 0;
    while (published < max) {
      const done = await this.transaction(undefined, async (tx) => {
        const entry = await this.repository.claimDue(tx, now());
        if (!entry || !entry.scheduled) return false;
        const { draftVersion, typeVersion, ...content } = entry.scheduled;
        // Validated when it was scheduled; published as it was then, even if the type changed since.
        await this.publishIn(tx, entry, { content, typeVersion, fromDraftVersion: draftVersion, rolledBackFrom: null, scheduled: true }, { publishAt: null, scheduled: null });
        return true;
      });
      if (!done) break;
      published++;
    }
    return published;
  }

  async get(req: EntryIdRequest): Promise<ContentEntry> {
    const found = await this.repository.findWithPublication(this.repository.db, req.id);
    if (!found) throw new RpcError('NOT_FOUND', `entry ${req.id} does not exist`);
    return toContentEntry(found);
  }

  async list(req: ListEntriesRequest): Promise<ContentEntryPage> {
    const limit = req.limit ?? 20;
    const rows = await this.repository.list(this.repository.db, { type: req.type, status: req.status, afterId: req.cursor ? decodeEntryCursor(req.cursor) : undefined, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return { items: page.map(toContentEntry), nextCursor: rows.length > limit ? encodeEntryCursor(page[page.length - 1].entry.id) : null };
  }

  async history(req: EntryIdRequest): Promise<EntryHistory> {
    const found = await this.repository.findWithPublication(this.repository.db, req.id);
    if (!found) throw new RpcError('NOT_FOUND', `entry ${req.id} does not exist`);
    const versions = await this.repository.versions(this.repository.db, req.id, HISTORY_LIMIT);
    return { entryId: req.id, currentVersion: found.entry.publishedVersion, items: versions.map(toEntryVersion) };
  }

  /** Writes a new published version (or nothing, when it is already the published one) and its event. */
  private async publishIn(tx: Transaction, entry: EntryRow, publication: Publication, also: Partial<EntryRow> = {}): Promise<ContentEntry> {
    const current = await this.publicationOf(tx, entry);
    const alreadyPublished = current !== null && publication.fromDraftVersion !== null && current.rolledBackFrom === null && current.fromDraftVersion === publication.fromDraftVersion;
    if (alreadyPublished) {
      const row = Object.keys(also).length ? await this.repository.update(tx, entry.id, { ...also, updatedAt: new Date() }) : entry;
      return toContentEntry({ entry: row, publication: current });
    }
    const now = new Date();
    const version: EntryVersionRow = {
      entryId: entry.id,
      version: entry.lastVersion + 1,
      typeVersion: publication.typeVersion,
      defaultLocale: publication.content.defaultLocale,
      fields: publication.content.fields,
      variants: publication.content.variants,
      channels: publication.content.channels,
      fromDraftVersion: publication.fromDraftVersion,
      rolledBackFrom: publication.rolledBackFrom,
      scheduled: publication.scheduled,
      publishedAt: now,
    };
    await this.repository.insertVersion(tx, version);
    const row = await this.repository.update(tx, entry.id, { ...also, publishedVersion: version.version, lastVersion: version.version, updatedAt: now });
    await this.outbox.add<EntryPublishedEventData>(tx, ContentEvents.entryPublished, { entry: { id: entry.id, type: entry.type, slug: entry.slug, ...toEntryVersion(version) } });
    return toContentEntry({ entry: row, publication: version });
  }

  private checkDraft(draft: DraftContent, type: ContentTypeRow, prefix = ''): void {
    const problems = draftProblems(draft, type).map((p) => ({ field: `${prefix}${p.field}`, problem: p.problem }));
    if (problems.length) throw new RpcError('VALIDATION', problemsMessage(problems), problems);
  }

  private async locked(tx: Transaction, id: string): Promise<EntryRow> {
    const entry = await this.repository.findLocked(tx, id);
    if (!entry) throw new RpcError('NOT_FOUND', `entry ${id} does not exist`);
    return entry;
  }

  /** The entry's type, share-locked so it cannot change while the entry is validated against it. */
  private async typeOf(tx: Transaction, entry: EntryRow): Promise<ContentTypeRow> {
    const type = await this.types.findLocked(tx, entry.type, 'share');
    if (!type) throw new Error(`content type ${entry.type} of entry ${entry.id} is missing`);
    return type;
  }

  private async publicationOf(tx: Transaction, entry: EntryRow): Promise<EntryVersionRow | null> {
    return entry.publishedVersion === null ? null : this.repository.findVersion(tx, entry.id, entry.publishedVersion);
  }

  private staleDraft(entry: EntryRow, expected: number): RpcError {
    return new RpcError('VERSION_CONFLICT', `the draft of entry ${entry.id} is at version ${entry.draftVersion}, not ${expected}: read it again and retry`, [
      { field: 'version', problem: `is ${expected} but the draft is at version ${entry.draftVersion}` },
    ]);
  }

  /** Runs `work` in a transaction, maps a repeated slug to CONFLICT, and wakes the outbox relay after commit. */
  private async transaction<T>(slug: string | undefined, work: (tx: Transaction) => Promise<T>): Promise<T> {
    try {
      const result = await this.repository.db.transaction(work);
      this.outbox.committed();
      return result;
    } catch (err) {
      const cause = (err as { cause?: { code?: string; constraint?: string } })?.cause ?? (err as { code?: string; constraint?: string });
      if (cause?.code === '23505' && cause.constraint === 'entries_type_slug') {
        throw new RpcError('CONFLICT', `slug "${slug}" is already used by another entry of this type`, [{ field: 'slug', problem: 'is already used by another entry of this type' }]);
      }
      throw err;
    }
  }
}

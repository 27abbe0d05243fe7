import { Injectable } from '@nestjs/common';
import { ChannelView, FeedAspect, FeedEntryKind, newId } from '@omnibus/contracts';
import { Queryable } from '@omnibus/service-kit';
import { ChannelsRepository } from '../channels/channels.repository';
import { aspectsOf, computeView, mergePatch, viewHash } from './view';
import { FeedEntryRow, ViewRow } from './views.schema';
import { StoredView, ViewsRepository, viewKey } from './views.repository';

/** A channel's feed grew up to `lastSeq` in a transaction (told to live readers after commit). */
export interface AppendedFeed {
  channel: string;
  lastSeq: number;
  /** Webhook deliveries queued with the entries. */
  deliveries: number;
  /** The entries appended, in order. */
  entries: FeedEntryRow[];
}

/** What changes in one channel's view of one product, or null when nothing it sees changed. */
export interface ViewChange {
  kind: FeedEntryKind;
  version: number;
  aspects: FeedAspect[];
  full: boolean;
  changes: Record<string, unknown> | null;
  view: ChannelView | null;
}

/** Compares the stored view with the newly computed one. */
export function viewChange(stored: StoredView | undefined, next: ChannelView | null): ViewChange | null {
  const version = (stored?.version ?? 0) + 1;
  const before = stored?.present ? stored.view : null;
  if (!next) return before ? { kind: 'remove', version, aspects: [], full: false, changes: null, view: null } : null;
  const patch = mergePatch(before ?? {}, next) as Record<string, unknown> | undefined;
  if (!patch) return null;
  return { kind: 'upsert', version, aspects: aspectsOf(patch), full: !before, changes: patch, view: next };
}

/**
 * Keeps channel views and feeds in step with the sources: recomputes the view of some products in
 * some channels, and appends an entry only where a view really changed, all in the caller's
 * transaction (an event consumer's, or a rebuild batch's).
 */
@Injectable()
export class ViewsService {
  constructor(
    private readonly views: ViewsRepository,
    private readonly channels: ChannelsRepository,
  ) {}

  /** Recomputes `productIds` in every channel (or in `onlyChannels`); returns the feeds that grew. */
  async refresh(tx: Queryable, productIds: string[], onlyChannels?: string[]): Promise<AppendedFeed[]> {
    const ids = [...new Set(productIds)].sort();
    if (ids.length === 0) return [];
    // Lock first, read after: the reads then see whatever the last holder of these products committed.
    await this.views.lockProducts(tx, ids);
    const { channels, products, sources, stored } = await this.views.loadForRefresh(tx, ids, onlyChannels);
    const changes: { channel: string; productId: string; change: ViewChange }[] = [];
    for (const channel of channels) {
      for (const id of ids) {
        const change = viewChange(stored.get(viewKey(channel.code, id)), computeView(channel, products.get(id), sources));
        if (change) changes.push({ channel: channel.code, productId: id, change });
      }
    }
    if (changes.length === 0) return [];
    const counts = new Map<string, number>();
    for (const c of changes) counts.set(c.channel, (counts.get(c.channel) ?? 0) + 1);
    const lastSeqs = await this.channels.takeSeqs(tx, counts);
    const nextSeq = new Map([...lastSeqs].map(([code, last]) => [code, last - counts.get(code)! + 1]));
    const now = new Date();
    const entries: FeedEntryRow[] = changes.map(({ channel, productId, change }) => {
      const seq = nextSeq.get(channel)!;
      nextSeq.set(channel, seq + 1);
      return { channel, seq, id: newId('fen'), productId, kind: change.kind, version: change.version, aspects: change.aspects, fullView: change.full, changes: change.changes, occurredAt: now };
    });
    const views: ViewRow[] = changes.map(({ channel, productId, change }) => ({
      channel,
      productId,
      version: change.version,
      present: change.view !== null,
      view: change.view,
      hash: change.view ? viewHash(change.view) : null,
      updatedAt: now,
    }));
    const deliveries = await this.views.append(tx, entries, views);
    return [...lastSeqs].map(([channel, lastSeq]) => ({ channel, lastSeq, deliveries: deliveries.get(channel) ?? 0, entries: entries.filter((e) => e.channel === channel) }));
  }
}

import { FeedEntry } from '@omnibus/contracts';
import { FeedEntryRow } from '../views/views.schema';
import { encodeFeedCursor } from './cursor';

/** A stored feed entry as readers get it. */
export function toFeedEntry(row: FeedEntryRow): FeedEntry {
  return {
    id: row.id,
    cursor: encodeFeedCursor(row.channel, Number(row.seq)),
    channel: row.channel,
    productId: row.productId,
    kind: row.kind,
    version: row.version,
    aspects: row.aspects,
    full: row.fullView,
    changes: row.changes ?? null,
    occurredAt: new Date(row.occurredAt).toISOString(),
  };
}

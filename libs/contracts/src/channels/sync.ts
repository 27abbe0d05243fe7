import { IsBoolean, IsIn, IsOptional, Matches } from 'class-validator';
import { CODE_PATTERN } from '../catalog/product';
import { ChannelSnapshotState } from './channel';

/** Query of `GET /v1/channels/{channel}/sync`. */
export class SyncQuery {
  /** `true` also compares the channel's view with catalog, pricing and inventory (slower). */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'check must be true or false' })
  check?: 'true' | 'false';
}

export class GetSyncRequest {
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel!: string;

  @IsOptional()
  @IsBoolean()
  check?: boolean;
}

export class SyncLag {
  /** Entries appended after the position. */
  entries!: number;
  /** Age of the oldest entry not yet at the position; 0 when in sync. */
  seconds!: number;
}

export class FeedSync {
  /** Cursor of the last entry; read with `after` to get only newer ones. */
  lastCursor!: string;
  /** Entries in the feed so far. */
  entries!: number;
  lastEntryAt!: string | null;
  /** Products currently in the channel's view. */
  products!: number;
}

/** How far the channel's own reader (its API key reading the feed) has come. */
export class ReaderSync {
  /** The last `after` the channel's key read from: everything up to it counts as processed. */
  lastReadCursor!: string | null;
  lastReadAt!: string | null;
  lag!: SyncLag;
}

export class WebhookSync {
  id!: string;
  url!: string;
  /** Every entry up to this cursor was delivered (or dead-lettered). */
  deliveredThrough!: string;
  lastDeliveredAt!: string | null;
  lag!: SyncLag;
  /** Entries waiting, including those being retried. */
  pending!: number;
  /** Entries waiting after at least one failed attempt. */
  retrying!: number;
  /** Failed attempts over the subscription's life. */
  failures!: number;
  deadLetters!: number;
  lastError!: string | null;
}

/** The service's copy of a source, fed by its events. */
export class SourceSync {
  source!: 'catalog' | 'pricing' | 'inventory';
  /** The durable consumer is running (false while the source's stream does not exist yet). */
  following!: boolean;
  events!: number;
  lastEventAt!: string | null;
}

/** One field where the channel's view differs from what the sources say. */
export class Drift {
  productId!: string;
  /** Dotted path in the view, e.g. `name.en`, `variants.SKU-1.price`; `(presence)` when the product should (not) be in the view. */
  field!: string;
  source!: 'catalog' | 'pricing' | 'inventory';
  /** What the sources say. */
  expected!: unknown;
  /** What the channel's view holds. */
  actual!: unknown;
}

export class ConsistencyReport {
  checkedAt!: string;
  productsChecked!: number;
  consistent!: boolean;
  /** At most 100 differences are listed; `driftCount` counts them all. */
  drift!: Drift[];
  driftCount!: number;
  /** Per source: `compared`, or why the service's own copy was used instead. */
  sources!: Record<string, string>;
}

export class ChannelSync {
  channel!: string;
  snapshot!: ChannelSnapshotState;
  feed!: FeedSync;
  reader!: ReaderSync;
  webhooks!: WebhookSync[];
  sources!: SourceSync[];
  /** Present when asked for with `check=true`. */
  consistency?: ConsistencyReport;
}

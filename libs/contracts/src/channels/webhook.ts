import { Type } from 'class-transformer';
import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsUrl, Matches, Max, MaxLength, Min } from 'class-validator';
import { CODE_PATTERN } from '../catalog/product';
import { FeedEntry } from './feed';

/** What a webhook subscription receives: entries changing product data, prices, stock, and removals. */
export const WEBHOOK_KINDS = ['product', 'price', 'stock', 'remove'] as const;
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];

export const WEBHOOK_ID_PATTERN = /^whk_[0-9a-z]{22}$/;
export const FEED_ENTRY_ID_PATTERN = /^fen_[0-9a-z]{22}$/;

/** Headers of every webhook delivery. */
export const WebhookHeaders = {
  /** Unix time in seconds when the request was signed. */
  timestamp: 'x-omnibus-timestamp',
  /** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the subscription's secret>`. */
  signature: 'x-omnibus-signature',
  /** The entry's id: receivers deduplicate by it (a delivery may arrive twice). */
  entryId: 'x-omnibus-entry-id',
  /** 1 for the first attempt. */
  attempt: 'x-omnibus-attempt',
  subscription: 'x-omnibus-subscription',
} as const;

export class CreateWebhookBody {
  /** Where entries are POSTed. Private, loopback and link-local targets are refused unless the service allows them. */
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true }, { message: 'url must be an http(s) URL' })
  @MaxLength(2048)
  url!: string;

  /** Entries to deliver; default all: product, price, stock, remove. */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(WEBHOOK_KINDS, { each: true })
  kinds?: WebhookKind[];

  /** `now` (default): entries appended from now on; `start`: the whole feed first (snapshot, then changes). */
  @IsOptional()
  @IsIn(['now', 'start'])
  from?: 'now' | 'start';
}

export class CreateWebhookRequest extends CreateWebhookBody {
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel!: string;
}

export class WebhookRef {
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel!: string;

  @Matches(WEBHOOK_ID_PATTERN, { message: 'id must be a webhook id (whk_…)' })
  id!: string;
}

export class ListWebhooksRequest {
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel!: string;
}

export class Webhook {
  /** `whk_…` */
  id!: string;
  channel!: string;
  url!: string;
  kinds!: WebhookKind[];
  createdAt!: string;
}

/** The subscription as created: the only time its secret is shown. */
export class CreatedWebhook extends Webhook {
  /** Signs every delivery (see `x-omnibus-signature`); store it now, it is never shown again. */
  secret!: string;
}

export class WebhookList {
  items!: Webhook[];
}

export class DeadLetterQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class ListDeadLettersRequest extends WebhookRef {
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

/** An entry a subscription gave up on after its last attempt. */
export class DeadLetter {
  entryId!: string;
  entry!: FeedEntry;
  attempts!: number;
  lastError!: string | null;
  /** HTTP status of the last attempt; null when no response came (refused, timeout, network). */
  lastStatus!: number | null;
  deadAt!: string;
}

export class DeadLetterList {
  items!: DeadLetter[];
}

/** Sends dead letters again (attempts start over): one entry, or every dead letter of the subscription. */
export class RedriveDeadLettersRequest extends WebhookRef {
  @IsOptional()
  @Matches(FEED_ENTRY_ID_PATTERN, { message: 'entryId must be a feed entry id (fen_…)' })
  entryId?: string;
}

export class RedriveReply {
  redriven!: number;
}


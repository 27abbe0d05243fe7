import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Attributes, CODE_PATTERN, LocalizedText, Media } from '../catalog/product';
import { Money } from '../money';

/** One variant of a product as a channel sees it: with the channel's price and available stock. */
export class ChannelViewVariant {
  /** Order of the variant within the product. */
  position!: number;
  attributes!: Attributes;
  media!: Media[];
  /** The price the channel resolves for one unit now; absent when no price applies. */
  price?: Money;
  /** Units available over the locations that supply the channel; absent when the channel shows no stock. */
  available?: number;
}

/** A product as one channel sells it: texts in the channel's locales, its price and its stock. */
export class ChannelView {
  slug!: string;
  name!: LocalizedText;
  description!: LocalizedText;
  categories!: string[];
  attributes!: Attributes;
  media!: Media[];
  /** Variants by SKU. */
  variants!: Record<string, ChannelViewVariant>;
}

export const FEED_ENTRY_KINDS = ['upsert', 'remove'] as const;
export type FeedEntryKind = (typeof FEED_ENTRY_KINDS)[number];
/** What part of a product's view an entry changes. */
export const FEED_ASPECTS = ['product', 'price', 'stock'] as const;
export type FeedAspect = (typeof FEED_ASPECTS)[number];

/**
 * One change of one product in one channel's view. `changes` is a JSON merge patch (RFC 7396) of
 * the view: only the fields that changed, `null` for a field that went away. Applying every entry of
 * a product in order to `{}` gives its current view.
 */
export class FeedEntry {
  /** `fen_…`, unique: receivers deduplicate by it. */
  id!: string;
  /** Position of this entry in the channel's feed; read on with `after=<cursor>`. */
  cursor!: string;
  channel!: string;
  productId!: string;
  /** `upsert`: the product is (still) sold in the channel; `remove`: it left the assortment or was archived. */
  kind!: FeedEntryKind;
  /** Version of the product's view in this channel: +1 with every entry of the product. */
  version!: number;
  /** Which parts changed: product data, price, stock. */
  aspects!: FeedAspect[];
  /** True when `changes` is the whole view (the product entered the channel's assortment). */
  full!: boolean;
  /** The merge patch; null for `remove`. */
  changes!: Record<string, unknown> | null;
  occurredAt!: string;
}

/** Query of a feed read (HTTP). */
export class FeedQuery {
  /** A cursor the feed returned; absent = from the beginning (the snapshot, then every change). */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  after?: string;

  @IsOptional()
  @Type(() => Number) // arrives as text in a query string
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class ReadFeedRequest extends FeedQuery {
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel!: string;

  /** Records `after` as the position the channel itself has processed (shown as its lag in sync). */
  @IsOptional()
  @IsBoolean()
  acknowledge?: boolean;
}

export class FeedPage {
  channel!: string;
  entries!: FeedEntry[];
  /** Pass as `after` to read on: the cursor of the last entry, or the cursor you gave when there was none. */
  nextCursor!: string;
  /** More entries follow right away. */
  hasMore!: boolean;
}

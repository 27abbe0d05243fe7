import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { CODE_PATTERN, Product, SLUG_PATTERN } from '../catalog/product';
import { CONTENT_LOCALE_PATTERN } from './content-type';
import { ENTRY_ID_PATTERN } from './entry';

/** How a channel asks for content. */
export class ContentDeliveryQuery {
  /** The locale wanted, e.g. `de-AT`; falls back `de-AT` → `de` → the entry's default locale. */
  @IsOptional()
  @Matches(CONTENT_LOCALE_PATTERN, { message: 'locale must be a locale like "en" or "de-AT"' })
  locale?: string;

  /** Admin keys only: read as this channel sees it (channel keys always read their own channel). */
  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel?: string;

  /** `products`: replace product references by the product, as the channel may see it. */
  @IsOptional()
  @IsIn(['products'])
  resolve?: 'products';
}

export class ContentDeliveryListQuery extends ContentDeliveryQuery {
  /**
   * Field filters `name:value`, comma separated, all must match: text fields (not localized) equal
   * the value, productRef / categoryRef fields reference it, lists contain it.
   */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  filter?: string;

  @IsOptional()
  @Type(() => Number) // arrives as text in a query string
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class DeliverEntryRequest extends ContentDeliveryQuery {
  @Matches(CODE_PATTERN, { message: 'type must be a content type code' })
  type!: string;

  @Matches(SLUG_PATTERN, { message: 'slug must be lower-case letters and digits separated by single dashes' })
  @MaxLength(120)
  slug!: string;
}

export class DeliverEntriesRequest extends ContentDeliveryListQuery {
  @Matches(CODE_PATTERN, { message: 'type must be a content type code' })
  type!: string;
}

/** Admin preview: the draft rendered as a channel would see it once published. */
export class PreviewEntryRequest extends ContentDeliveryQuery {
  @Matches(ENTRY_ID_PATTERN, { message: 'id must be an entry id (ent_…)' })
  id!: string;
}

/** Why a product reference stayed unresolved. */
export const UNRESOLVED_REASONS = ['not-available', 'not-found', 'catalog-unavailable', 'too-many-references'] as const;

/** A product reference after `resolve=products`. */
export class ResolvedProductRef {
  sku!: string;
  /** The product, or null when the caller may not see it (or the catalog did not answer). */
  product!: Product | null;
  /**
   * Set when `product` is null: `not-available` (not sold in your channel, or unknown: channels
   * are not told which), `not-found` (admin without channel only), `catalog-unavailable`,
   * `too-many-references` (more distinct SKUs in one response than the service resolves).
   */
  unresolved?: (typeof UNRESOLVED_REASONS)[number];
}

/** A published entry as one channel sees it in one locale. */
export class DeliveredEntry {
  id!: string;
  type!: string;
  slug!: string;
  /** The published version served (the draft's version for a preview). */
  version!: number;
  /** Null for a preview. */
  publishedAt!: string | null;
  /** The channel served, null for an admin reading without `channel`. */
  channel!: string | null;
  /** The channel whose variant was merged over the default, or null. */
  variant!: string | null;
  /** The locale asked for (the entry's default locale when none was). */
  locale!: string;
  defaultLocale!: string;
  /** Every field of the type: localized ones reduced to one locale; missing ones null. */
  fields!: Record<string, unknown>;
  /** For each localized field, the locale it was served in (null when it has no value). */
  fieldLocales!: Record<string, string | null>;
}

export class DeliveredEntryPage {
  items!: DeliveredEntry[];
  nextCursor!: string | null;
}

import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsISO31661Alpha2,
  IsISO4217CurrencyCode,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
  ValidationOptions,
  registerDecorator,
} from 'class-validator';
import { CODE_PATTERN } from '../catalog/product';

export const CHANNEL_KINDS = ['web', 'app', 'pos', 'marketplace', 'b2b', 'phone', 'other'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

const LOCALE = /^[a-z]{2}(-[A-Z]{2})?$/;
const ATTRIBUTE_KEY = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;

/** The problem with an attribute filter (`{"material": "linen", "organic": true}`), or null. */
export function attributeFilterProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object of attribute name → value';
  const entries = Object.entries(value);
  if (entries.length > 20) return 'must have at most 20 attributes';
  for (const [key, v] of entries) {
    if (!ATTRIBUTE_KEY.test(key)) return `has name "${key.slice(0, 20)}", which must be a letter then letters, digits or _ (max 64)`;
    const ok = (typeof v === 'string' && v.length <= 200) || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
    if (!ok) return `.${key} must be a string (max 200), number or boolean`;
  }
  return null;
}

function IsAttributeFilter(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isAttributeFilter',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => attributeFilterProblem(value) === null,
        defaultMessage: (args) => `${args?.property} ${attributeFilterProblem(args?.value)}`,
      },
    });
}

/** Which products a channel sells: every condition given must hold (and the product must be active). */
export class AssortmentRule {
  /** Products assigned to this catalog channel (the product's `channels`); default: the channel's own code. */
  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'catalogChannel must be lower-case letters, digits and dashes' })
  catalogChannel?: string;

  /** Only products in at least one of these categories; absent or empty = any category. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @Matches(CODE_PATTERN, { each: true, message: 'each category must be lower-case letters, digits and dashes' })
  categories?: string[];

  /** Only products whose attribute has this value (a list attribute must contain it). */
  @IsOptional()
  @IsAttributeFilter()
  attributes?: Record<string, string | number | boolean>;
}

/** The prices a channel shows: pricing's resolution for this context, for one unit, now. */
export class PriceScopeRule {
  @IsISO4217CurrencyCode({ message: 'currency must be an ISO 4217 currency code, e.g. EUR' })
  currency!: string;

  /** The channel prices are scoped to in pricing; default: the channel's own code. */
  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel?: string;

  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'customerGroup must be lower-case letters, digits and dashes' })
  customerGroup?: string;

  @IsOptional()
  @IsISO31661Alpha2({ message: 'country must be an ISO 3166-1 alpha-2 code, e.g. DE' })
  country?: string;
}

/** The stock a channel shows: the sum of `available` over the locations that supply it. */
export class StockScopeRule {
  /**
   * Codes of the supplying locations. Absent = the active locations whose `channels` (in inventory)
   * include this channel's code, as inventory's own availability does.
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @ArrayUnique()
  @Matches(CODE_PATTERN, { each: true, message: 'each location must be a location code: lower-case letters, digits and dashes' })
  locations?: string[];
}

/** Optional fields of create and update; on update a field that is sent replaces the stored value. */
class ChannelFields {
  @IsOptional()
  @ValidateNested()
  @Type(() => AssortmentRule)
  assortment?: AssortmentRule;

  /** Absent: the channel's view carries no prices. */
  @IsOptional()
  @ValidateNested()
  @Type(() => PriceScopeRule)
  priceScope?: PriceScopeRule;

  /** Absent: the channel's view carries the stock of the locations inventory assigns to it. */
  @IsOptional()
  @ValidateNested()
  @Type(() => StockScopeRule)
  stockScope?: StockScopeRule;
}

export class CreateChannelRequest extends ChannelFields {
  /** The channel's code, as channel API keys name it: `web`, `pos-berlin`, `amazon-de`. */
  @Matches(CODE_PATTERN, { message: 'code must be lower-case letters, digits and dashes' })
  code!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @IsIn(CHANNEL_KINDS)
  kind!: ChannelKind;

  /** Locales of the texts the channel shows, e.g. `["de", "en"]`; other locales are left out of its view. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ArrayUnique()
  @Matches(LOCALE, { each: true, message: 'each locale must be like "en" or "de-DE"' })
  locales!: string[];
}

export class ChannelChanges extends ChannelFields {
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @IsOptional()
  @IsIn(CHANNEL_KINDS)
  kind?: ChannelKind;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ArrayUnique()
  @Matches(LOCALE, { each: true, message: 'each locale must be like "en" or "de-DE"' })
  locales?: string[];
}

export class UpdateChannelRequest {
  @Matches(CODE_PATTERN, { message: 'code must be lower-case letters, digits and dashes' })
  code!: string;

  /** The version the caller last read; a stale one is refused with VERSION_CONFLICT. */
  @IsInt()
  @Min(1)
  expectedVersion!: number;

  @ValidateNested()
  @Type(() => ChannelChanges)
  changes!: ChannelChanges;
}

export class ChannelRef {
  @Matches(CODE_PATTERN, { message: 'code must be lower-case letters, digits and dashes' })
  code!: string;
}

export class ListChannelsRequest {}

/** Progress of the (re)building of a channel's view after it was created or its rules changed. */
export class ChannelSnapshotState {
  /** `building` while products are being (re)computed; entries appear in the feed as it goes. */
  status!: 'building' | 'ready';
  /** Why the last build ran: `created`, `rules-changed`, `locations-changed`, `price-lists-changed`, `resync`. */
  reason!: string | null;
}

export class Channel {
  code!: string;
  name!: string;
  kind!: ChannelKind;
  assortment!: AssortmentRule;
  priceScope!: PriceScopeRule | null;
  stockScope!: StockScopeRule;
  locales!: string[];
  snapshot!: ChannelSnapshotState;
  version!: number;
  createdAt!: string;
  updatedAt!: string;
}

export class ChannelList {
  items!: Channel[];
}

/** `data` of `channels.channel.created|updated` (version 1). */
export interface ChannelChangedEventData {
  channel: Channel;
}

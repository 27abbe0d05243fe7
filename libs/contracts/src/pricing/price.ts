import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsISO31661Alpha2,
  IsISO4217CurrencyCode,
  IsISO8601,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { CODE_PATTERN, SKU_PATTERN } from '../catalog/product';
import { IsLaterThan } from './validation';

export const PRICE_LIST_STATUSES = ['active', 'inactive'] as const;
export type PriceListStatus = (typeof PRICE_LIST_STATUSES)[number];

/** Most prices one bulk upsert takes. */
export const MAX_PRICES_PER_UPSERT = 10_000;
/** Most SKUs one price resolution takes (a product's variants). */
export const MAX_SKUS_PER_RESOLVE = 500;

export const PRICE_LIST_ID = /^prl_[0-9a-z]{22}$/;
export const PRICE_ID = /^prc_[0-9a-z]{22}$/;

const ISO_DATE = { strict: true, strictSeparator: true };
const ISO_DATE_MESSAGE = (field: string) => ({ message: `${field} must be an ISO 8601 date-time, e.g. 2027-01-01T00:00:00Z` });
const SKU_MESSAGE = { message: 'sku must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit' };

// ---------------------------------------------------------------------------------------------
// Price lists

class PriceListFields {
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  /** Among prices of equal specificity, the list with the higher priority wins. */
  @IsOptional()
  @IsInt()
  @Min(-1_000_000)
  @Max(1_000_000)
  priority?: number;

  /** Prices of an inactive list are never used. */
  @IsOptional()
  @IsIn(PRICE_LIST_STATUSES)
  status?: PriceListStatus;
}

export class CreatePriceListRequest extends PriceListFields {
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;
}

export class PriceListChanges extends PriceListFields {
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;
}

export class UpdatePriceListRequest {
  @Matches(PRICE_LIST_ID, { message: 'id must be a price list id (prl_…)' })
  id!: string;

  @IsInt()
  @Min(1)
  expectedVersion!: number;

  @ValidateNested()
  @Type(() => PriceListChanges)
  changes!: PriceListChanges;
}

/** Deletes the list and every price in it (each price's deletion is an event). */
export class DeletePriceListRequest {
  @Matches(PRICE_LIST_ID, { message: 'id must be a price list id (prl_…)' })
  id!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

export class GetPriceListRequest {
  @IsString()
  @MaxLength(64)
  id!: string;
}

export class ListPriceListsRequest {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

/** A named group of prices (a base list, "B2B contract 2027", "Black Friday"). */
export class PriceList {
  /** `prl_…` */
  id!: string;
  name!: string;
  description!: string;
  priority!: number;
  status!: PriceListStatus;
  /** Number of prices in the list. */
  priceCount!: number;
  version!: number;
  createdAt!: string;
  updatedAt!: string;
}

export class PriceListPage {
  items!: PriceList[];
  nextCursor!: string | null;
}

// ---------------------------------------------------------------------------------------------
// Prices

/**
 * One price of a SKU. Scope fields left out mean "any": a price without `channel` applies in every
 * channel. Within a list, one price per SKU, currency, channel, customer group, country and
 * `minQuantity` (a quantity tier runs from its `minQuantity` up to the next tier's).
 */
export class PriceInput {
  @Matches(SKU_PATTERN, SKU_MESSAGE)
  sku!: string;

  /** Integer minor units (cents) of `currency`; 0 or more. */
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  amount!: number;

  @IsISO4217CurrencyCode({ message: 'currency must be an ISO 4217 currency code, e.g. EUR' })
  currency!: string;

  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel?: string;

  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'customerGroup must be lower-case letters, digits and dashes' })
  customerGroup?: string;

  @IsOptional()
  @IsISO31661Alpha2({ message: 'country must be an ISO 3166-1 alpha-2 code, e.g. DE' })
  country?: string;

  /** The price applies from this many units in one line (a quantity tier); default 1. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  minQuantity?: number;

  /** First moment the price applies (inclusive); absent = always. */
  @IsOptional()
  @IsISO8601(ISO_DATE, ISO_DATE_MESSAGE('validFrom'))
  validFrom?: string;

  /** First moment the price no longer applies (exclusive); absent = open-ended. */
  @IsOptional()
  @IsISO8601(ISO_DATE, ISO_DATE_MESSAGE('validUntil'))
  @IsLaterThan('validFrom')
  validUntil?: string;
}

export class CreatePriceRequest extends PriceInput {
  @Matches(PRICE_LIST_ID, { message: 'priceListId must be a price list id (prl_…)' })
  priceListId!: string;
}

/** The scope of a price (SKU, list, currency, channel, group, country, tier) is its identity: to change it, delete and create. */
export class PriceChanges {
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  amount?: number;

  /** null removes the start of the window. */
  @IsOptional()
  @IsISO8601(ISO_DATE, ISO_DATE_MESSAGE('validFrom'))
  validFrom?: string | null;

  /** null removes the end of the window. */
  @IsOptional()
  @IsISO8601(ISO_DATE, ISO_DATE_MESSAGE('validUntil'))
  @IsLaterThan('validFrom')
  validUntil?: string | null;
}

export class UpdatePriceRequest {
  @Matches(PRICE_ID, { message: 'id must be a price id (prc_…)' })
  id!: string;

  @IsInt()
  @Min(1)
  expectedVersion!: number;

  @ValidateNested()
  @Type(() => PriceChanges)
  changes!: PriceChanges;
}

export class DeletePriceRequest {
  @Matches(PRICE_ID, { message: 'id must be a price id (prc_…)' })
  id!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

export class GetPriceRequest {
  @IsString()
  @MaxLength(64)
  id!: string;
}

export class ListPricesRequest {
  @IsOptional()
  @Matches(PRICE_LIST_ID, { message: 'priceListId must be a price list id (prl_…)' })
  priceListId?: string;

  @IsOptional()
  @Matches(SKU_PATTERN, SKU_MESSAGE)
  sku?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

/** The body of a bulk upsert: prices of one list, matched to stored ones by their scope. */
export class UpsertPricesBody {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PRICES_PER_UPSERT)
  @ValidateNested({ each: true })
  @Type(() => PriceInput)
  prices!: PriceInput[];
}

export class UpsertPricesRequest extends UpsertPricesBody {
  @Matches(PRICE_LIST_ID, { message: 'priceListId must be a price list id (prl_…)' })
  priceListId!: string;
}

export class UpsertPricesResult {
  priceListId!: string;
  received!: number;
  created!: number;
  updated!: number;
  /** Same amount and window as stored: not written, no event. */
  unchanged!: number;
}

export class Price {
  /** `prc_…` */
  id!: string;
  priceListId!: string;
  sku!: string;
  amount!: number;
  currency!: string;
  channel!: string | null;
  customerGroup!: string | null;
  country!: string | null;
  minQuantity!: number;
  validFrom!: string | null;
  validUntil!: string | null;
  version!: number;
  createdAt!: string;
  updatedAt!: string;
}

export class PricePage {
  items!: Price[];
  nextCursor!: string | null;
}

// ---------------------------------------------------------------------------------------------
// Resolution (product pages)

export class ResolvePricesRequest {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_SKUS_PER_RESOLVE)
  @ArrayUnique()
  @Matches(SKU_PATTERN, { each: true, message: 'each SKU must be 1-64 letters, digits, ".", "_" or "-"' })
  skus!: string[];

  @IsISO4217CurrencyCode({ message: 'currency must be an ISO 4217 currency code, e.g. EUR' })
  currency!: string;

  /** The caller's channel; absent = only prices that are not channel-scoped. */
  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel?: string;

  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'customerGroup must be lower-case letters, digits and dashes' })
  customerGroup?: string;

  @IsOptional()
  @IsISO31661Alpha2({ message: 'country must be an ISO 3166-1 alpha-2 code, e.g. DE' })
  country?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  quantity?: number;
}

export class ResolvedPrice {
  sku!: string;
  /** Unit price in minor units; null when no price applies (the SKU cannot be sold). */
  amount!: number | null;
  priceId!: string | null;
  priceListId!: string | null;
}

export class ResolvedPrices {
  currency!: string;
  prices!: ResolvedPrice[];
  /** The next moment a price window of these SKUs opens or closes: the answer may change then. */
  nextChangeAt!: string | null;
}

/** A variant's unit price in a product detail. */
export class VariantPrice {
  sku!: string;
  /** Minor units for one unit; null when no price applies (the variant cannot be sold). */
  amount!: number | null;
  priceId!: string | null;
  priceListId!: string | null;
}

/** The `price` block of a product detail: what the caller's channel (and customer group) pays. */
export class ProductPrice {
  currency!: string;
  /** The channel priced for; null = prices that are not channel-scoped (admin keys without `?channel=`). */
  channel!: string | null;
  customerGroup!: string | null;
  variants!: VariantPrice[];
}

// ---------------------------------------------------------------------------------------------
// Events

/** What a price applies to: its identity within pricing. */
export interface PriceScope {
  priceListId: string;
  currency: string;
  channel: string | null;
  customerGroup: string | null;
  country: string | null;
  minQuantity: number;
}

/** `data` of `pricing.price.changed` (version 1). */
export interface PriceChangedEventData {
  change: 'created' | 'updated' | 'deleted';
  sku: string;
  scope: PriceScope;
  /** null when the price was created. */
  oldAmount: number | null;
  /** null when the price was deleted. */
  newAmount: number | null;
  /** The price's new state; null when deleted. */
  price: Price | null;
}

/**
 * `data` of `pricing.price-list.changed` (version 1). A list's status or priority changes the
 * effective price of every SKU it holds without any price changing: caches of resolved prices drop
 * everything on this event.
 */
export interface PriceListChangedEventData {
  change: 'created' | 'updated' | 'deleted';
  priceList: PriceList;
}

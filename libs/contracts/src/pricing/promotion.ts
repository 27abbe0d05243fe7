import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsDefined,
  IsIn,
  IsISO8601,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { CODE_PATTERN, SKU_PATTERN } from '../catalog/product';
import { Money } from '../money';
import { IsAttributeConditions, IsLaterThan } from './validation';

export const PROMOTION_STATUSES = ['active', 'inactive'] as const;
export type PromotionStatus = (typeof PROMOTION_STATUSES)[number];
/** `exclusive`: when it applies, no other promotion does. `combinable`: applies together with other combinable ones. */
export const STACKING_RULES = ['exclusive', 'combinable'] as const;
export type StackingRule = (typeof STACKING_RULES)[number];
export const DISCOUNT_TYPES = ['percentage', 'fixedAmount', 'buyXGetY'] as const;
export type DiscountType = (typeof DISCOUNT_TYPES)[number];

export const PROMOTION_ID = /^prm_[0-9a-z]{22}$/;
/** A coupon code: 3-40 letters, digits, `_` or `-`; compared case-insensitively (stored upper-case). */
export const COUPON_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$/;
/** A caller's customer id (until the customers service issues `cus_…` ids). */
export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9][\w.:-]{0,63}$/;

const ISO_DATE = { strict: true, strictSeparator: true };

/** What the promotion takes off. Fields not used by `type` must be left out. */
export class DiscountInput {
  @IsIn(DISCOUNT_TYPES)
  type!: DiscountType;

  /** percentage: percent off the matching lines (0.01-100). buyXGetY: percent off the "get" units (default 100 = free). */
  @ValidateIf((o: DiscountInput) => o.type === 'percentage' || o.percent !== undefined)
  @IsNumber({ maxDecimalPlaces: 2, allowNaN: false, allowInfinity: false }, { message: 'percent must be a number with at most 2 decimals' })
  @Min(0.01)
  @Max(100)
  percent?: number;

  /** fixedAmount: taken off each matching unit, or once off the cart when the promotion has no `products`. */
  @ValidateIf((o: DiscountInput) => o.type === 'fixedAmount' || o.amount !== undefined)
  @IsDefined({ message: 'amount is required for a fixedAmount discount' })
  @ValidateNested()
  @Type(() => Money)
  amount?: Money;

  /** buyXGetY: for every `buyQuantity` + `getQuantity` matching units, the `getQuantity` cheapest are discounted. */
  @ValidateIf((o: DiscountInput) => o.type === 'buyXGetY' || o.buyQuantity !== undefined)
  @IsInt()
  @Min(1)
  @Max(1000)
  buyQuantity?: number;

  @ValidateIf((o: DiscountInput) => o.type === 'buyXGetY' || o.getQuantity !== undefined)
  @IsInt()
  @Min(1)
  @Max(1000)
  getQuantity?: number;
}

/**
 * The products a promotion applies to. A line matches when it matches every selector given: its SKU is
 * one of `skus`, its product has one of `categories`, and it has every attribute of `attributes`.
 */
export class ProductSelector {
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @Matches(SKU_PATTERN, { each: true, message: 'each SKU must be 1-64 letters, digits, ".", "_" or "-"' })
  skus?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @Matches(CODE_PATTERN, { each: true, message: 'each category must be lower-case letters, digits and dashes' })
  categories?: string[];

  /** Product or variant attributes that must equal these values (a list attribute must contain it). */
  @IsOptional()
  @IsAttributeConditions()
  attributes?: Record<string, string | number | boolean>;
}

export class CouponInput {
  @Matches(COUPON_CODE_PATTERN, { message: 'code must be 3-40 letters, digits, "_" or "-"' })
  code!: string;

  /** Uses in total; absent = unlimited. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  usageLimit?: number;

  /** Uses per customer; absent = unlimited. A coupon with this limit needs a customerId to be redeemed. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  usageLimitPerCustomer?: number;
}

class PromotionFields {
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @IsOptional()
  @IsIn(PROMOTION_STATUSES)
  status?: PromotionStatus;

  /** Promotions are evaluated from the highest priority down (then by id). */
  @IsOptional()
  @IsInt()
  @Min(-1_000_000)
  @Max(1_000_000)
  priority?: number;

  @IsOptional()
  @IsIn(STACKING_RULES)
  stacking?: StackingRule;

  @IsOptional()
  @IsISO8601(ISO_DATE, { message: 'validFrom must be an ISO 8601 date-time, e.g. 2027-01-01T00:00:00Z' })
  validFrom?: string | null;

  @IsOptional()
  @IsISO8601(ISO_DATE, { message: 'validUntil must be an ISO 8601 date-time, e.g. 2027-01-01T00:00:00Z' })
  @IsLaterThan('validFrom')
  validUntil?: string | null;

  /** Only in these channels. Absent or empty = every channel: a channel condition is never implied. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @Matches(CODE_PATTERN, { each: true, message: 'each channel must be lower-case letters, digits and dashes' })
  channels?: string[];

  /** Only for customers of these groups. Absent or empty = everyone. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @Matches(CODE_PATTERN, { each: true, message: 'each customer group must be lower-case letters, digits and dashes' })
  customerGroups?: string[];

  /** Only when the cart's subtotal (before discounts) reaches this amount; only in its currency. */
  @IsOptional()
  @ValidateNested()
  @Type(() => Money)
  minCartValue?: Money | null;

  /** Only when this code is given with the quote. On update the code cannot change; its limits can. */
  @IsOptional()
  @ValidateNested()
  @Type(() => CouponInput)
  coupon?: CouponInput | null;

  /** The products it applies to; absent = the whole cart. */
  @IsOptional()
  @ValidateNested()
  @Type(() => ProductSelector)
  products?: ProductSelector | null;
}

export class CreatePromotionRequest extends PromotionFields {
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ValidateNested()
  @Type(() => DiscountInput)
  discount!: DiscountInput;
}

/** Fields sent replace the stored ones; null clears validFrom, validUntil, minCartValue or products. A coupon's code cannot change. */
export class PromotionChanges extends PromotionFields {
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => DiscountInput)
  discount?: DiscountInput;
}

export class UpdatePromotionRequest {
  @Matches(PROMOTION_ID, { message: 'id must be a promotion id (prm_…)' })
  id!: string;

  @IsInt()
  @Min(1)
  expectedVersion!: number;

  @ValidateNested()
  @Type(() => PromotionChanges)
  changes!: PromotionChanges;
}

export class DeletePromotionRequest {
  @Matches(PROMOTION_ID, { message: 'id must be a promotion id (prm_…)' })
  id!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

export class GetPromotionRequest {
  @IsString()
  @MaxLength(64)
  id!: string;
}

export class ListPromotionsRequest {
  @IsOptional()
  @IsIn(PROMOTION_STATUSES)
  status?: PromotionStatus;

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

export class Discount {
  type!: DiscountType;
  percent?: number;
  amount?: Money;
  buyQuantity?: number;
  getQuantity?: number;
}

export class Coupon {
  /** Upper-case. */
  code!: string;
  usageLimit!: number | null;
  usageLimitPerCustomer!: number | null;
}

export class Promotion {
  /** `prm_…` */
  id!: string;
  name!: string;
  description!: string;
  status!: PromotionStatus;
  priority!: number;
  stacking!: StackingRule;
  validFrom!: string | null;
  validUntil!: string | null;
  /** Empty = every channel. */
  channels!: string[];
  /** Empty = everyone. */
  customerGroups!: string[];
  minCartValue!: Money | null;
  coupon!: Coupon | null;
  discount!: Discount;
  /** null = the whole cart. */
  products!: ProductSelector | null;
  version!: number;
  createdAt!: string;
  updatedAt!: string;
}

export class PromotionPage {
  items!: Promotion[];
  nextCursor!: string | null;
}

/** `data` of `pricing.promotion.changed` (version 1): the promotion's new state. */
export interface PromotionChangedEventData {
  change: 'created' | 'updated' | 'deleted';
  promotion: Promotion;
}

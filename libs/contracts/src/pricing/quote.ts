import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsISO31661Alpha2,
  IsISO4217CurrencyCode,
  IsInt,
  IsOptional,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { CODE_PATTERN, SKU_PATTERN } from '../catalog/product';
import { COUPON_CODE_PATTERN, CUSTOMER_ID_PATTERN } from './promotion';

export const MAX_QUOTE_LINES = 200;

export class QuoteLineInput {
  @Matches(SKU_PATTERN, { message: 'sku must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit' })
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(1_000_000)
  quantity!: number;
}

/**
 * A cart to price. Through the gateway the channel is the caller's key's channel (admin keys may name
 * one); the same input gives the same quote in every channel unless a price or promotion is
 * explicitly channel-scoped.
 */
export class CalculateQuoteRequest {
  @IsISO4217CurrencyCode({ message: 'currency must be an ISO 4217 currency code, e.g. EUR' })
  currency!: string;

  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel?: string;

  /** Needed for per-customer coupon limits. */
  @IsOptional()
  @Matches(CUSTOMER_ID_PATTERN, { message: 'customerId must be 1-64 letters, digits, "_", ".", ":" or "-"' })
  customerId?: string;

  /** Whose group prices apply. The gateway sets it from the customer token; only admin keys may name one (docs/pricing.md). */
  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'customerGroup must be lower-case letters, digits and dashes' })
  customerGroup?: string;

  /** Where the goods go; selects country-scoped prices. */
  @IsOptional()
  @IsISO31661Alpha2({ message: 'country must be an ISO 3166-1 alpha-2 code, e.g. DE' })
  country?: string;

  /** Evaluated, not redeemed: redeeming a use is `POST /v1/coupons/{code}/redemptions`. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ArrayUnique()
  @Matches(COUPON_CODE_PATTERN, { each: true, message: 'each coupon code must be 3-40 letters, digits, "_" or "-"' })
  couponCodes?: string[];

  /**
   * false leaves out of the explanation each line's price and the promotions that did not apply
   * (coupons and applied promotions stay): a smaller, faster answer for carts re-quoted often.
   */
  @IsOptional()
  @IsBoolean()
  explain?: boolean;

  /** One line per SKU. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_QUOTE_LINES)
  @ValidateNested({ each: true })
  @Type(() => QuoteLineInput)
  lines!: QuoteLineInput[];
}

export class LineDiscount {
  promotionId!: string;
  name!: string;
  /** Minor units taken off this line. */
  amount!: number;
}

export class QuoteLine {
  sku!: string;
  quantity!: number;
  /** Minor units; null when no price applies: the line cannot be sold. */
  unitPrice!: number | null;
  /** unitPrice × quantity. */
  subtotal!: number;
  discounts!: LineDiscount[];
  discountTotal!: number;
  /** subtotal − discountTotal; never negative. */
  total!: number;
}

/** A price that matched the line's scope but was not used, and why. */
export class PriceNotUsed {
  priceId!: string;
  amount!: number;
  reason!: string;
}

/** Which price a line got and why. */
export class PriceExplanation {
  sku!: string;
  priceId!: string | null;
  priceListId!: string | null;
  priceListName!: string | null;
  priority!: number | null;
  minQuantity!: number | null;
  channel!: string | null;
  customerGroup!: string | null;
  country!: string | null;
  validUntil!: string | null;
  reason!: string;
  notUsed!: PriceNotUsed[];
}

export class PromotionOutcome {
  promotionId!: string;
  name!: string;
  applied!: boolean;
  /** Minor units taken off in total (0 when not applied). */
  amount!: number;
  reason!: string;
}

export class CouponOutcome {
  /** Upper-case. */
  code!: string;
  accepted!: boolean;
  promotionId!: string | null;
  reason!: string;
}

export class QuoteExplanation {
  /** Per line; empty when the request had `explain: false`. */
  prices!: PriceExplanation[];
  /** Every active promotion in evaluation order (priority, then id): applied or why not (only the applied ones with `explain: false`). */
  promotions!: PromotionOutcome[];
  coupons!: CouponOutcome[];
}

export class Quote {
  currency!: string;
  customerGroup!: string | null;
  lines!: QuoteLine[];
  subtotal!: number;
  discountTotal!: number;
  total!: number;
  /** False when a line has no price: such a cart cannot be ordered. */
  complete!: boolean;
  explanation!: QuoteExplanation;
  quotedAt!: string;
}

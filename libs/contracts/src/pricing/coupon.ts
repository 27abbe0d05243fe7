import { IsOptional, Matches } from 'class-validator';
import { COUPON_CODE_PATTERN, CUSTOMER_ID_PATTERN } from './promotion';

/** A caller-chosen key that makes a redemption idempotent: a retry with the same key counts once. */
export const REDEMPTION_KEY_PATTERN = /^[A-Za-z0-9][\w.:-]{0,99}$/;

const CODE_MESSAGE = { message: 'code must be 3-40 letters, digits, "_" or "-"' };
const KEY_MESSAGE = { message: 'redemptionKey must be 1-100 letters, digits, "_", ".", ":" or "-"' };

export class GetCouponRequest {
  @Matches(COUPON_CODE_PATTERN, CODE_MESSAGE)
  code!: string;
}

/** The body of `POST /v1/coupons/{code}/redemptions`. */
export class CouponRedemptionBody {
  @Matches(REDEMPTION_KEY_PATTERN, KEY_MESSAGE)
  redemptionKey!: string;

  /** Required when the coupon has a per-customer limit. */
  @IsOptional()
  @Matches(CUSTOMER_ID_PATTERN, { message: 'customerId must be 1-64 letters, digits, "_", ".", ":" or "-"' })
  customerId?: string;
}

/** Counts one use of a coupon, within its limits (total and per customer), once per redemption key. */
export class RedeemCouponRequest extends CouponRedemptionBody {
  @Matches(COUPON_CODE_PATTERN, CODE_MESSAGE)
  code!: string;
}

/** Gives a redeemed use back (an order that was not placed after all); releasing twice changes nothing. */
export class ReleaseCouponRequest {
  @Matches(COUPON_CODE_PATTERN, CODE_MESSAGE)
  code!: string;

  @Matches(REDEMPTION_KEY_PATTERN, KEY_MESSAGE)
  redemptionKey!: string;
}

export class CouponUsage {
  code!: string;
  promotionId!: string;
  usageLimit!: number | null;
  usageLimitPerCustomer!: number | null;
  /** Uses redeemed and not released. */
  used!: number;
}

export class CouponRedemption {
  code!: string;
  redemptionKey!: string;
  promotionId!: string;
  customerId!: string | null;
  status!: 'redeemed' | 'released';
  /** True when this key had already been redeemed (or released): nothing was counted again. */
  repeated!: boolean;
  redeemedAt!: string;
  releasedAt!: string | null;
}

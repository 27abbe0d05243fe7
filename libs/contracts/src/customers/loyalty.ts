import { Type } from 'class-transformer';
import { IsDateString, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min, NotEquals } from 'class-validator';
import { CODE_PATTERN } from '../catalog/product';
import { Customer, CUS_ID_PATTERN } from './customer';

export const LOYALTY_ENTRY_KINDS = ['earn', 'redeem', 'expire', 'adjust'] as const;
export type LoyaltyEntryKind = (typeof LOYALTY_ENTRY_KINDS)[number];
/** Most points one ledger entry may move. */
export const MAX_POINTS_PER_ENTRY = 10_000_000;
/** A caller-chosen key that makes a ledger command safe to retry: `order-ord_…-earn`, a UUID… */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,99}$/;

const IDEMPOTENCY_MESSAGE = { message: 'idempotencyKey must be 1 to 100 letters, digits, "_", ".", ":", "@", "/" or "-", starting with a letter or digit' };

class PointsCommand {
  /**
   * Makes the command safe to retry: the same key for the same customer returns the first result
   * instead of applying it again; the same key with other points is a conflict.
   */
  @Matches(IDEMPOTENCY_KEY_PATTERN, IDEMPOTENCY_MESSAGE)
  idempotencyKey!: string;

  /** The order the points belong to, if any; kept when the customer is erased. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  orderId?: string;
}

/** Points the customer spends (in any channel). */
export class RedeemPointsInput extends PointsCommand {
  @IsInt()
  @Min(1)
  @Max(MAX_POINTS_PER_ENTRY)
  points!: number;
}

export class EarnPointsInput extends RedeemPointsInput {
  /** When these points expire; default: LOYALTY_POINTS_TTL_DAYS after now. Must be in the future. */
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'expiresAt must be an ISO 8601 date-time' })
  expiresAt?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  reason?: string;
}

/** A correction by staff: positive adds (points that never expire), negative removes. */
export class AdjustPointsInput extends PointsCommand {
  @IsInt()
  @NotEquals(0, { message: 'points must not be 0' })
  @Min(-MAX_POINTS_PER_ENTRY)
  @Max(MAX_POINTS_PER_ENTRY)
  points!: number;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  reason!: string;
}

export class EarnPointsRequest extends EarnPointsInput {
  @Matches(CUS_ID_PATTERN, { message: 'must be a customer id (cus_…)' })
  customerId!: string;

  @IsOptional()
  @Matches(CODE_PATTERN)
  channel?: string;
}

export class RedeemPointsRequest extends RedeemPointsInput {
  @Matches(CUS_ID_PATTERN, { message: 'must be a customer id (cus_…)' })
  customerId!: string;

  @IsOptional()
  @Matches(CODE_PATTERN)
  channel?: string;
}

export class AdjustPointsRequest extends AdjustPointsInput {
  @Matches(CUS_ID_PATTERN, { message: 'must be a customer id (cus_…)' })
  customerId!: string;

  @IsOptional()
  @Matches(CODE_PATTERN)
  channel?: string;
}

export class LoyaltyQuery {
  /** Newest entries first; default 20. */
  @IsOptional()
  @Type(() => Number) // arrives as text in a query string
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  /** The `nextCursor` of the previous page. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class GetLoyaltyRequest extends LoyaltyQuery {
  @Matches(CUS_ID_PATTERN, { message: 'must be a customer id (cus_…)' })
  customerId!: string;
}

/** Expires every lot of points whose `expiresAt` has passed (all customers, or one). */
export class ExpirePointsRequest {
  @IsOptional()
  @Matches(CUS_ID_PATTERN, { message: 'must be a customer id (cus_…)' })
  customerId?: string;
}

export class LoyaltyEntry {
  /** `lty_…` */
  id!: string;
  kind!: LoyaltyEntryKind;
  /** Signed: positive for earn and positive adjustments, negative for redeem, expire and negative adjustments. */
  points!: number;
  balanceAfter!: number;
  idempotencyKey!: string;
  orderId!: string | null;
  reason!: string | null;
  channel!: string | null;
  /** For positive entries: when their points expire (null: never). */
  expiresAt!: string | null;
  /** For positive entries: how many of their points are still spendable. */
  remaining!: number;
  createdAt!: string;
}

export class LoyaltyAccount {
  customerId!: string;
  balance!: number;
  /** Newest first. */
  entries!: LoyaltyEntry[];
  nextCursor!: string | null;
}

/** The result of one ledger command: the entry (the first one, on a retry) and the balance now. */
export class LoyaltyChange {
  customerId!: string;
  balance!: number;
  entry!: LoyaltyEntry;
  /** True when the idempotency key had been used: nothing was applied now. */
  replayed!: boolean;
}

export class LoyaltyExpiryRun {
  lotsExpired!: number;
  pointsExpired!: number;
  customers!: number;
}

/** `data` of `customers.loyalty.changed` (version 1). */
export interface LoyaltyChangedEventData {
  customerId: string;
  balance: number;
  entry: LoyaltyEntry;
}

export class LoyaltyExport {
  balance!: number;
  /** Every entry, oldest first. */
  entries!: LoyaltyEntry[];
}

/** Everything the customers service holds about a customer (GDPR access and portability). */
export class CustomerExport {
  exportedAt!: string;
  /** Profile, addresses, consents, external ids, channels and company membership. */
  customer!: Customer;
  loyalty!: LoyaltyExport;
}

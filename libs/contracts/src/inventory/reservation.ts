import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsInt, IsOptional, Matches, Max, Min, ValidateNested } from 'class-validator';
import { CODE_PATTERN, SKU_PATTERN } from '../catalog/product';
import { LOCATION_ID_MESSAGE, LOCATION_ID_PATTERN } from './location';
import { MAX_STOCK_QUANTITY } from './stock';

/** A caller-chosen reservation key (e.g. `checkout-ord_…`): 1-128 letters, digits, `.`, `_`, `:`, `-`. */
export const RESERVATION_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const RESERVATION_ID_PATTERN = /^res_[0-9a-z]{22}$/;
/** Longest reservation: 30 days. */
export const MAX_RESERVATION_TTL_SECONDS = 30 * 24 * 3600;

export const RESERVATION_STATUSES = ['active', 'committed', 'released', 'expired'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

export class ReserveLine {
  @Matches(SKU_PATTERN, { message: 'sku must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit' })
  sku!: string;

  @IsInt()
  @Min(1, { message: 'quantity must be at least 1' })
  @Max(MAX_STOCK_QUANTITY)
  quantity!: number;
}

/**
 * Reserves every line, or nothing. Without `locationId` the allocation rule picks locations among
 * those that supply `channel`. Repeating a `key` returns the first reservation and reserves nothing.
 */
export class ReserveStockRequest {
  @Matches(RESERVATION_KEY_PATTERN, { message: 'key must be 1-128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit' })
  key!: string;

  /** The sales channel reserving; a channel key always reserves for its own channel. */
  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel?: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique((line: ReserveLine) => line?.sku, { message: 'lines must name each SKU once' })
  @ValidateNested({ each: true })
  @Type(() => ReserveLine)
  lines!: ReserveLine[];

  /** Reserve at this location only (click & collect, a store's POS); else the allocation rule decides. */
  @IsOptional()
  @Matches(LOCATION_ID_PATTERN, { message: `locationId ${LOCATION_ID_MESSAGE}` })
  locationId?: string;

  /** Seconds until an uncommitted reservation expires; default RESERVATION_TTL_SECONDS of the service. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RESERVATION_TTL_SECONDS)
  ttlSeconds?: number;
}

/** Names a reservation by its id or by the caller's key; `channel`, when given, must be its channel. */
export class ReservationRef {
  @IsOptional()
  @Matches(RESERVATION_ID_PATTERN, { message: 'id must be a reservation id (res_…)' })
  id?: string;

  @IsOptional()
  @Matches(RESERVATION_KEY_PATTERN, { message: 'key must be 1-128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit' })
  key?: string;

  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel?: string;
}

/** Units of one SKU held at one location; a line of the request may be split over locations. */
export class ReservationLine {
  sku!: string;
  locationId!: string;
  quantity!: number;
}

export class Reservation {
  /** `res_…` */
  id!: string;
  key!: string;
  channel!: string | null;
  status!: ReservationStatus;
  lines!: ReservationLine[];
  expiresAt!: string;
  createdAt!: string;
  updatedAt!: string;
}

/** `data` of `inventory.reservation.created|committed|released|expired` (version 1). */
export interface ReservationEventData {
  reservation: Reservation;
}

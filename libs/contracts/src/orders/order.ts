import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsEmail,
  IsIn,
  IsISO31661Alpha2,
  IsISO4217CurrencyCode,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { CODE_PATTERN, SKU_PATTERN } from '../catalog/product';
import { CUS_ID_PATTERN, PHONE_PATTERN } from '../customers/customer';
import { LOCATION_ID_MESSAGE, LOCATION_ID_PATTERN } from '../inventory/location';
import { COUPON_CODE_PATTERN } from '../pricing/promotion';
import { LineDiscount } from '../pricing/quote';

export const ORDER_ID_PATTERN = /^ord_[0-9a-z]{22}$/;
export const ORDER_STATUSES = ['placed', 'confirmed', 'ready-for-pickup', 'shipped', 'completed', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
/** delivery: shipped from where the allocation rule says; pickup: click & collect at a store; carry-out: handed over at the till. */
export const FULFILMENT_TYPES = ['delivery', 'pickup', 'carry-out'] as const;
export type FulfilmentType = (typeof FULFILMENT_TYPES)[number];
/** The transitions a caller may ask for; `placed → confirmed` is the checkout's own. */
export const ORDER_ACTIONS = ['ready-for-pickup', 'ship', 'complete', 'cancel'] as const;
export type OrderAction = (typeof ORDER_ACTIONS)[number];
/** A client's key for one checkout (the `Idempotency-Key` header): 1-100 printable characters. */
export const IDEMPOTENCY_KEY_HEADER_PATTERN = /^[\x21-\x7e]{1,100}$/;
/** An order's id in the marketplace or system it came from. */
export const EXTERNAL_ORDER_ID_PATTERN = /^[\x21-\x7e]{1,100}$/;
export const MAX_ORDER_LINES = 100;

/**
 * Who asks, as the gateway established it: `admin` keys and `staff` keys (channels operated by staff
 * or integrations: POS, marketplace, phone) act for any customer; a `channel` key without a customer
 * token acts as a guest of its channel; `customer` is a verified customer token.
 */
export const CALLER_KINDS = ['admin', 'staff', 'channel', 'customer'] as const;
export type CallerKind = (typeof CALLER_KINDS)[number];

export class OrderCaller {
  @IsIn(CALLER_KINDS)
  kind!: CallerKind;

  /** The channel of the key (none for admin keys). */
  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'caller.channel must be lower-case letters, digits and dashes' })
  channel?: string;

  /** Set for `customer`. */
  @IsOptional()
  @Matches(CUS_ID_PATTERN, { message: 'caller.customerId must be a customer id (cus_…)' })
  customerId?: string;
}

export class OrderLineInput {
  @Matches(SKU_PATTERN, { message: 'sku must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit' })
  sku!: string;

  @IsInt()
  @Min(1, { message: 'quantity must be at least 1' })
  @Max(10_000)
  quantity!: number;
}

export class ShippingAddress {
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  line1!: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  line2?: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(20)
  postalCode!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  city!: string;

  @IsISO31661Alpha2({ message: 'country must be an ISO 3166-1 alpha-2 code, e.g. DE' })
  country!: string;
}

export class FulfilmentInput {
  @IsIn(FULFILMENT_TYPES, { message: `type must be one of ${FULFILMENT_TYPES.join(', ')}` })
  type!: FulfilmentType;

  /** The store to collect from: required for `pickup`, not allowed otherwise. */
  @IsOptional()
  @Matches(LOCATION_ID_PATTERN, { message: `locationId ${LOCATION_ID_MESSAGE}` })
  locationId?: string;

  /** Where a `delivery` goes: required for it, not allowed otherwise. */
  @IsOptional()
  @ValidateNested()
  @Type(() => ShippingAddress)
  address?: ShippingAddress;
}

/** How to reach a guest (an order without a customer account). */
export class OrderContact {
  @IsOptional()
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @IsOptional()
  @Matches(PHONE_PATTERN, { message: 'phone must be in E.164 form, e.g. +4930123456' })
  phone?: string;
}

/** The body of `POST /v1/orders`. */
export class PlaceOrderBody {
  @IsISO4217CurrencyCode({ message: 'currency must be an ISO 4217 currency code, e.g. EUR' })
  currency!: string;

  /** Selects country-scoped prices; default: the delivery address's country. */
  @IsOptional()
  @IsISO31661Alpha2({ message: 'country must be an ISO 3166-1 alpha-2 code, e.g. DE' })
  country?: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ORDER_LINES)
  @ArrayUnique((line: OrderLineInput) => line?.sku, { message: 'lines must name each SKU once' })
  @ValidateNested({ each: true })
  @Type(() => OrderLineInput)
  lines!: OrderLineInput[];

  @ValidateNested()
  @Type(() => FulfilmentInput)
  fulfilment!: FulfilmentInput;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ArrayUnique()
  @Matches(COUPON_CODE_PATTERN, { each: true, message: 'each coupon code must be 3-40 letters, digits, "_" or "-"' })
  couponCodes?: string[];

  /**
   * The customer the order is for, named by staff (POS, phone, marketplace keys) and admin keys; a
   * customer's own order takes the customer from the token instead.
   */
  @IsOptional()
  @Matches(CUS_ID_PATTERN, { message: 'customerId must be a customer id (cus_…)' })
  customerId?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => OrderContact)
  contact?: OrderContact;

  /** The order's id in the marketplace it came from: a second import of the same id returns the first order. */
  @IsOptional()
  @Matches(EXTERNAL_ORDER_ID_PATTERN, { message: 'externalId must be 1-100 printable characters without spaces' })
  externalId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note?: string;
}

/** What a frontend sends: admin keys also name the channel the order is taken in (e.g. `phone`). */
export class NewOrderBody extends PlaceOrderBody {
  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel?: string;
}

export class PlaceOrderRequest extends PlaceOrderBody {
  @Matches(IDEMPOTENCY_KEY_HEADER_PATTERN, { message: 'idempotencyKey must be 1-100 printable characters without spaces' })
  idempotencyKey!: string;

  /** The channel the order is taken in (the key's channel; admin keys name one, e.g. `phone`). */
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel!: string;

  @ValidateNested()
  @Type(() => OrderCaller)
  caller!: OrderCaller;
}

export class GetOrderRequest {
  @Matches(ORDER_ID_PATTERN, { message: 'id must be an order id (ord_…)' })
  id!: string;

  @ValidateNested()
  @Type(() => OrderCaller)
  caller!: OrderCaller;
}

/** Query of `GET /v1/orders`: newest first. */
export class OrderQuery {
  @IsOptional()
  @Matches(CUS_ID_PATTERN, { message: 'customerId must be a customer id (cus_…)' })
  customerId?: string;

  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel?: string;

  @IsOptional()
  @IsIn(ORDER_STATUSES, { message: `status must be one of ${ORDER_STATUSES.join(', ')}` })
  status?: OrderStatus;

  @IsOptional()
  @Matches(EXTERNAL_ORDER_ID_PATTERN, { message: 'externalId must be 1-100 printable characters without spaces' })
  externalId?: string;

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

export class ListOrdersRequest extends OrderQuery {
  @ValidateNested()
  @Type(() => OrderCaller)
  caller!: OrderCaller;
}

/** The body of `POST /v1/orders/{id}/{action}`. */
export class OrderTransitionBody {
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;

  /** For `ship`: the carrier's tracking number. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  trackingNumber?: string;
}

export class ChangeOrderStatusRequest extends OrderTransitionBody {
  @Matches(ORDER_ID_PATTERN, { message: 'id must be an order id (ord_…)' })
  id!: string;

  @IsIn(ORDER_ACTIONS, { message: `action must be one of ${ORDER_ACTIONS.join(', ')}` })
  action!: OrderAction;

  @ValidateNested()
  @Type(() => OrderCaller)
  caller!: OrderCaller;
}

/** A line as ordered, with the prices frozen from the quote. */
export class OrderLine {
  sku!: string;
  quantity!: number;
  /** Minor units, from the quote. */
  unitPrice!: number;
  subtotal!: number;
  discounts!: LineDiscount[];
  discountTotal!: number;
  /** What the customer pays for the line: subtotal − discountTotal. */
  total!: number;
  /** Units on returns that were not rejected. */
  returnedQuantity!: number;
}

export class Fulfilment {
  type!: FulfilmentType;
  locationId!: string | null;
  address!: ShippingAddress | null;
  trackingNumber!: string | null;
}

export class OrderStatusChange {
  status!: OrderStatus;
  at!: string;
  /** `customer:cus_…`, `channel:<code>`, `staff:<code>`, `admin` or `system`. */
  by!: string;
  /** The channel it was done through (null for admin keys and the system). */
  channel!: string | null;
  reason!: string | null;
}

export class Order {
  /** `ord_…` */
  id!: string;
  /** The channel the order was taken in. */
  channel!: string;
  customerId!: string | null;
  externalId!: string | null;
  status!: OrderStatus;
  fulfilment!: Fulfilment;
  currency!: string;
  lines!: OrderLine[];
  subtotal!: number;
  discountTotal!: number;
  total!: number;
  couponCodes!: string[];
  contact!: OrderContact | null;
  note!: string | null;
  /** The inventory reservation holding the stock (`res_…`). */
  reservationId!: string;
  /** Oldest first. */
  history!: OrderStatusChange[];
  version!: number;
  placedAt!: string;
  updatedAt!: string;
}

export class OrderPage {
  items!: Order[];
  nextCursor!: string | null;
}

/** The answer to a checkout; `replayed` when an earlier request with the key (or the external id) made the order. */
export class PlacedOrder {
  order!: Order;
  replayed!: boolean;
}

/** `data` of every `orders.order.*` event (version 1): the order as it is after the change. */
export interface OrderEventData {
  order: Order;
}

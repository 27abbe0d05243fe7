import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { CODE_PATTERN } from '../catalog/product';
import { LOCATION_ID_MESSAGE, LOCATION_ID_PATTERN } from '../inventory/location';
import { MAX_ORDER_LINES, ORDER_ID_PATTERN, OrderCaller, OrderLineInput } from './order';

export const RETURN_ID_PATTERN = /^ret_[0-9a-z]{22}$/;
export const RETURN_STATUSES = ['requested', 'accepted', 'rejected'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];

/** The body of `POST /v1/orders/{id}/returns`. */
export class CreateReturnBody {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ORDER_LINES)
  @ArrayUnique((line: OrderLineInput) => line?.sku, { message: 'lines must name each SKU once' })
  @ValidateNested({ each: true })
  @Type(() => OrderLineInput)
  lines!: OrderLineInput[];

  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;

  /** Where the goods were brought back (a store, or the warehouse for parcels): they are restocked there. */
  @Matches(LOCATION_ID_PATTERN, { message: `restockLocationId ${LOCATION_ID_MESSAGE}` })
  restockLocationId!: string;
}

export class CreateReturnRequest extends CreateReturnBody {
  @Matches(ORDER_ID_PATTERN, { message: 'orderId must be an order id (ord_…)' })
  orderId!: string;

  /** The channel the return is taken in. */
  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel?: string;

  @ValidateNested()
  @Type(() => OrderCaller)
  caller!: OrderCaller;
}

/** Names a return for get, accept and reject. */
export class ReturnRef {
  @Matches(RETURN_ID_PATTERN, { message: 'id must be a return id (ret_…)' })
  id!: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;

  @ValidateNested()
  @Type(() => OrderCaller)
  caller!: OrderCaller;
}

export class ReturnLine {
  sku!: string;
  quantity!: number;
  /** Minor units refunded for these units, from the order's frozen line total. */
  refund!: number;
}

export class OrderReturn {
  /** `ret_…` */
  id!: string;
  orderId!: string;
  /** The channel the return was taken in (may differ from the order's). */
  channel!: string | null;
  customerId!: string | null;
  status!: ReturnStatus;
  reason!: string;
  restockLocationId!: string;
  lines!: ReturnLine[];
  currency!: string;
  refundTotal!: number;
  createdBy!: string;
  decisionReason!: string | null;
  createdAt!: string;
  decidedAt!: string | null;
}

export class ReturnList {
  items!: OrderReturn[];
}

/** The order a return belongs to, as `orders.return.accepted` tells it. */
export interface ReturnedOrder {
  id: string;
  customerId: string | null;
  channel: string;
  currency: string;
  total: number;
  /** What the order's accepted returns refund in all, this one included. */
  refundedTotal: number;
}

/** `data` of `orders.return.created|accepted|rejected` (version 1). */
export interface ReturnEventData {
  orderReturn: OrderReturn;
  /** On `orders.return.accepted`: the order and what is refunded of it so far (loyalty takes points back by it). */
  order?: ReturnedOrder;
}

import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, NotEquals, ValidateNested } from 'class-validator';
import { SKU_PATTERN } from '../catalog/product';
import { LOCATION_ID_MESSAGE, LOCATION_ID_PATTERN } from './location';

/** Largest quantity of one SKU at one location. */
export const MAX_STOCK_QUANTITY = 1_000_000_000;
const SKU_MESSAGE = { message: 'sku must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit' };

/** Why on-hand stock changed. `count`: a WMS count (absolute); `sale`: a committed reservation. */
export const MOVEMENT_REASONS = ['count', 'receipt', 'return', 'damage', 'loss', 'correction', 'transfer', 'sale'] as const;
export type MovementReason = (typeof MOVEMENT_REASONS)[number];
export const SET_REASONS = ['count', 'correction'] as const;
export const ADJUST_REASONS = ['receipt', 'return', 'damage', 'loss', 'correction'] as const;

/** Body of an absolute set (a WMS count): the location now holds `onHand` units. */
export class SetStockBody {
  @IsInt()
  @Min(0, { message: 'onHand must not be negative' })
  @Max(MAX_STOCK_QUANTITY)
  onHand!: number;

  @IsOptional()
  @IsIn(SET_REASONS)
  reason?: (typeof SET_REASONS)[number];

  /** The caller's document, e.g. a WMS count id. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;
}

export class SetStockRequest extends SetStockBody {
  @Matches(SKU_PATTERN, SKU_MESSAGE)
  sku!: string;

  @Matches(LOCATION_ID_PATTERN, { message: `locationId ${LOCATION_ID_MESSAGE}` })
  locationId!: string;
}

/** Body of a relative change: a receipt (+), damage or loss (−), a return (+), a correction (±). */
export class AdjustStockBody {
  @IsInt()
  @Min(-MAX_STOCK_QUANTITY)
  @Max(MAX_STOCK_QUANTITY)
  @NotEquals(0, { message: 'delta must not be 0' })
  delta!: number;

  @IsIn(ADJUST_REASONS)
  reason!: (typeof ADJUST_REASONS)[number];

  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;
}

export class AdjustStockRequest extends AdjustStockBody {
  @Matches(SKU_PATTERN, SKU_MESSAGE)
  sku!: string;

  @Matches(LOCATION_ID_PATTERN, { message: `locationId ${LOCATION_ID_MESSAGE}` })
  locationId!: string;
}

/** Moves available units of one SKU from one location to another. */
export class TransferStockRequest {
  @Matches(SKU_PATTERN, SKU_MESSAGE)
  sku!: string;

  @Matches(LOCATION_ID_PATTERN, { message: `fromLocationId ${LOCATION_ID_MESSAGE}` })
  fromLocationId!: string;

  @Matches(LOCATION_ID_PATTERN, { message: `toLocationId ${LOCATION_ID_MESSAGE}` })
  toLocationId!: string;

  @IsInt()
  @Min(1, { message: 'quantity must be at least 1' })
  @Max(MAX_STOCK_QUANTITY)
  quantity!: number;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;
}

export class BulkStockItem {
  @Matches(SKU_PATTERN, SKU_MESSAGE)
  sku!: string;

  @Matches(LOCATION_ID_PATTERN, { message: `locationId ${LOCATION_ID_MESSAGE}` })
  locationId!: string;

  @IsInt()
  @Min(0, { message: 'onHand must not be negative' })
  @Max(MAX_STOCK_QUANTITY)
  onHand!: number;
}

/** Absolute on-hand figures from a WMS feed; all or nothing; only changed levels emit events. */
export class BulkSetStockRequest {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => BulkStockItem)
  items!: BulkStockItem[];

  @IsOptional()
  @IsIn(SET_REASONS)
  reason?: (typeof SET_REASONS)[number];

  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;
}

export class BulkSetStockReply {
  received!: number;
  /** Levels whose on-hand figure changed (each got a movement and an event). */
  changed!: number;
  unchanged!: number;
}

/** Stock of one SKU at one location. `available = max(onHand − reserved, 0)`. */
export class StockLevel {
  sku!: string;
  locationId!: string;
  onHand!: number;
  reserved!: number;
  available!: number;
  /** Increases on every change of this level; consumers drop older copies. */
  version!: number;
  updatedAt!: string;
}

export class TransferStockReply {
  from!: StockLevel;
  to!: StockLevel;
}

export class ListMovementsRequest {
  @IsOptional()
  @Matches(SKU_PATTERN, SKU_MESSAGE)
  sku?: string;

  @IsOptional()
  @Matches(LOCATION_ID_PATTERN, { message: `locationId ${LOCATION_ID_MESSAGE}` })
  locationId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;

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

/** One change of on-hand stock, newest first in listings. */
export class StockMovement {
  /** `mov_…` */
  id!: string;
  sku!: string;
  locationId!: string;
  /** Change of on hand (negative when stock left). */
  delta!: number;
  onHandAfter!: number;
  reason!: MovementReason;
  reference!: string | null;
  createdAt!: string;
}

export class MovementPage {
  items!: StockMovement[];
  nextCursor!: string | null;
}

export const STOCK_CHANGE_CAUSES = ['set', 'adjust', 'transfer', 'bulk-set', 'reserve', 'commit', 'release', 'expire'] as const;
export type StockChangeCause = (typeof STOCK_CHANGE_CAUSES)[number];

/** `data` of `inventory.stock.changed` (version 1): the level's new figures. */
export interface StockChangedEventData {
  sku: string;
  locationId: string;
  onHand: number;
  reserved: number;
  available: number;
  version: number;
  cause: StockChangeCause;
  reference?: string;
}

/** One SKU of a receipt. */
export class ReceiveStockLine {
  @Matches(SKU_PATTERN, SKU_MESSAGE)
  sku!: string;

  @IsInt()
  @Min(1, { message: 'quantity must be at least 1' })
  @Max(MAX_STOCK_QUANTITY)
  quantity!: number;
}

/**
 * Goods coming in at one location (a customer return, a delivery): on hand rises by each line, once
 * per `key`. Repeating a key changes nothing and answers with the first receipt.
 */
export class ReceiveStockRequest {
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, { message: 'key must be 1-128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit' })
  key!: string;

  @Matches(LOCATION_ID_PATTERN, { message: `locationId ${LOCATION_ID_MESSAGE}` })
  locationId!: string;

  @IsIn(['return', 'receipt'])
  reason!: 'return' | 'receipt';

  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ArrayUnique((line: ReceiveStockLine) => line?.sku, { message: 'lines must name each SKU once' })
  @ValidateNested({ each: true })
  @Type(() => ReceiveStockLine)
  lines!: ReceiveStockLine[];
}

export class StockReceipt {
  key!: string;
  locationId!: string;
  reason!: 'return' | 'receipt';
  lines!: { sku: string; quantity: number }[];
  /** True when the key had been received before: nothing was added now. */
  repeated!: boolean;
  levels!: StockLevel[];
}

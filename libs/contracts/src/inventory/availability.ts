import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsInt, IsNumber, IsOptional, Matches, Max, Min, ValidateNested } from 'class-validator';
import { CODE_PATTERN, SKU_PATTERN } from '../catalog/product';
import { LocationAddress, GeoPoint, LOCATION_ID_MESSAGE, LOCATION_ID_PATTERN, LocationKind, OpeningPeriod } from './location';
import { ReserveLine } from './reservation';

const SKU_MESSAGE = 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit';

/** Availability of one SKU; without `channel`, over every active location (admin views). */
export class GetAvailabilityRequest {
  @Matches(SKU_PATTERN, { message: `sku ${SKU_MESSAGE}` })
  sku!: string;

  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel?: string;
}

/** Availability of many SKUs at once (a product's variants); SKUs not known yet count as 0. */
export class BatchAvailabilityRequest {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ArrayUnique()
  @Matches(SKU_PATTERN, { each: true, message: `each of skus ${SKU_MESSAGE}` })
  skus!: string[];

  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel?: string;
}

/** Stock of a SKU at one location that supplies the channel. */
export class LocationAvailability {
  locationId!: string;
  code!: string;
  name!: string;
  kind!: LocationKind;
  ships!: boolean;
  pickup!: boolean;
  available!: number;
  /** Shown to admin keys only. */
  onHand?: number;
  /** Shown to admin keys only. */
  reserved?: number;
}

export class SkuAvailability {
  sku!: string;
  /** The channel it was computed for; null = every active location. */
  channel!: string | null;
  /** Sum of `available` over the locations that supply the channel. */
  available!: number;
  locations!: LocationAvailability[];
}

export class BatchAvailabilityReply {
  items!: SkuAvailability[];
}

/**
 * Click & collect: the pickup locations that can serve every line now, nearest first. The search
 * centre is `locationId`'s position, or `latitude`/`longitude`.
 */
export class PickupAvailabilityRequest {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique((line: ReserveLine) => line?.sku, { message: 'lines must name each SKU once' })
  @ValidateNested({ each: true })
  @Type(() => ReserveLine)
  lines!: ReserveLine[];

  @IsOptional()
  @Matches(LOCATION_ID_PATTERN, { message: `locationId ${LOCATION_ID_MESSAGE}` })
  locationId?: string;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-90)
  @Max(90)
  latitude?: number;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-180)
  @Max(180)
  longitude?: number;

  /** Search radius around the centre; default 25 km. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(20_000)
  radiusKm?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  /** Only locations that supply this channel; a channel key always searches its own channel. */
  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel?: string;
}

export class PickupLine {
  sku!: string;
  quantity!: number;
  available!: number;
}

export class PickupLocation {
  locationId!: string;
  code!: string;
  name!: string;
  kind!: LocationKind;
  address!: LocationAddress;
  geo!: GeoPoint;
  timezone!: string;
  openingHours!: OpeningPeriod[];
  /** Open at the time of the answer, by its opening hours in its time zone. */
  openNow!: boolean;
  /** Great-circle (haversine) distance from the search centre. */
  distanceKm!: number;
  lines!: PickupLine[];
}

export class PickupAvailabilityReply {
  centre!: GeoPoint;
  radiusKm!: number;
  channel!: string | null;
  locations!: PickupLocation[];
}

/** Availability of one variant in a product detail response. */
export class VariantAvailability {
  sku!: string;
  /** Units the caller's channel can sell now (sum over the locations that supply it). */
  available!: number;
  /** Per location: for admin keys, or with `?locations=true`. */
  locations?: LocationAvailability[];
}

/** The `availability` block of a product detail response, for the caller's channel. */
export class ProductAvailability {
  /** The caller's channel; null for admin keys (every active location). */
  channel!: string | null;
  variants!: VariantAvailability[];
}

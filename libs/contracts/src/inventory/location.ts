import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO31661Alpha2,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
  ValidationOptions,
  registerDecorator,
} from 'class-validator';
import { CODE_PATTERN } from '../catalog/product';

export const LOCATION_KINDS = ['warehouse', 'store'] as const;
export type LocationKind = (typeof LOCATION_KINDS)[number];
export const OPENING_WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type OpeningWeekday = (typeof OPENING_WEEKDAYS)[number];

/** A location id: `loc_` and 22 characters. */
export const LOCATION_ID_PATTERN = /^loc_[0-9a-z]{22}$/;
export const LOCATION_ID_MESSAGE = 'must be a location id (loc_…)';
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** True when `zone` is an IANA time zone this runtime knows, e.g. `Europe/Berlin`. */
export function isTimeZone(zone: unknown): boolean {
  if (typeof zone !== 'string' || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Validates an IANA time zone name. */
export function IsTimeZone(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isTimeZone',
      target: target.constructor,
      propertyName,
      options,
      validator: { validate: isTimeZone, defaultMessage: (args) => `${args?.property} must be an IANA time zone such as "Europe/Berlin"` },
    });
}

/** The problem with a list of opening periods, or null when every period closes after it opens. */
export function openingHoursProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return null; // IsArray reports it
  for (const [i, p] of value.entries()) {
    const period = p as { opens?: unknown; closes?: unknown };
    if (typeof period?.opens === 'string' && typeof period?.closes === 'string' && TIME.test(period.opens) && TIME.test(period.closes) && period.closes <= period.opens) {
      return `.${i} closes (${period.closes}) must be after opens (${period.opens}); split a period that passes midnight in two`;
    }
  }
  return null;
}

function ClosesAfterOpens(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'closesAfterOpens',
      target: target.constructor,
      propertyName,
      options,
      validator: { validate: (v: unknown) => openingHoursProblem(v) === null, defaultMessage: (args) => `${args?.property}${openingHoursProblem(args?.value)}` },
    });
}

export class LocationAddress {
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  line1!: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  line2?: string;

  @IsString()
  @MinLength(1)
  @MaxLength(20)
  postalCode!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(100)
  city!: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  region?: string;

  /** ISO 3166-1 alpha-2, e.g. `DE`. */
  @IsISO31661Alpha2()
  country!: string;
}

export class GeoPoint {
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-90)
  @Max(90)
  latitude!: number;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-180)
  @Max(180)
  longitude!: number;
}

/** One opening period on a weekday, in the location's local time (`09:00` to `20:00`). */
export class OpeningPeriod {
  @IsIn(OPENING_WEEKDAYS)
  day!: OpeningWeekday;

  @Matches(TIME, { message: 'opens must be a time HH:MM, e.g. 09:00' })
  opens!: string;

  @Matches(TIME, { message: 'closes must be a time HH:MM, e.g. 20:00' })
  closes!: string;
}

/** Optional fields of create and update; on update a field that is sent replaces the stored value. */
class LocationOptions {
  /** IANA time zone of the opening hours; default `UTC`. */
  @IsOptional()
  @IsTimeZone()
  timezone?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(28)
  @ValidateNested({ each: true })
  @Type(() => OpeningPeriod)
  @ClosesAfterOpens()
  openingHours?: OpeningPeriod[];

  /** Ships orders to customers. */
  @IsOptional()
  @IsBoolean()
  ships?: boolean;

  /** Customers can collect orders here (click & collect). */
  @IsOptional()
  @IsBoolean()
  pickup?: boolean;

  /** The sales channels this location supplies, e.g. `["web", "pos-berlin-mitte"]`. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @ArrayUnique()
  @Matches(CODE_PATTERN, { each: true, message: 'each channel must be lower-case letters, digits and dashes' })
  channels?: string[];

  /** Allocation order: lower numbers are reserved from first. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  priority?: number;

  /** An inactive location supplies no channel and takes no reservations; its stock is kept. */
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class CreateLocationRequest extends LocationOptions {
  /** Short unique code, e.g. `berlin-mitte`. */
  @Matches(CODE_PATTERN, { message: 'code must be lower-case letters, digits and dashes' })
  code!: string;

  @IsIn(LOCATION_KINDS)
  kind!: LocationKind;

  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ValidateNested()
  @Type(() => LocationAddress)
  address!: LocationAddress;

  @ValidateNested()
  @Type(() => GeoPoint)
  geo!: GeoPoint;
}

/** A partial update: present fields replace the stored ones (code and kind do not change). */
export class LocationChanges extends LocationOptions {
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => LocationAddress)
  address?: LocationAddress;

  @IsOptional()
  @ValidateNested()
  @Type(() => GeoPoint)
  geo?: GeoPoint;
}

export class UpdateLocationRequest {
  @Matches(LOCATION_ID_PATTERN, { message: `id ${LOCATION_ID_MESSAGE}` })
  id!: string;

  /** When given, the change applies only to this version (else VERSION_CONFLICT). */
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;

  @ValidateNested()
  @Type(() => LocationChanges)
  changes!: LocationChanges;
}

export class GetLocationRequest {
  @Matches(LOCATION_ID_PATTERN, { message: `id ${LOCATION_ID_MESSAGE}` })
  id!: string;
}

export class ListLocationsRequest {
  /** Only locations that supply this channel. */
  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel?: string;

  @IsOptional()
  @IsIn(LOCATION_KINDS)
  kind?: LocationKind;

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

/** A warehouse or store, as the inventory returns it and as its events carry it. */
export class Location {
  /** `loc_…` */
  id!: string;
  code!: string;
  name!: string;
  kind!: LocationKind;
  address!: LocationAddress;
  geo!: GeoPoint;
  timezone!: string;
  openingHours!: OpeningPeriod[];
  ships!: boolean;
  pickup!: boolean;
  channels!: string[];
  priority!: number;
  active!: boolean;
  version!: number;
  createdAt!: string;
  updatedAt!: string;
}

export class LocationPage {
  items!: Location[];
  nextCursor!: string | null;
}

/** `data` of `inventory.location.created|updated` (version 1). */
export interface LocationChangedEventData {
  location: Location;
}

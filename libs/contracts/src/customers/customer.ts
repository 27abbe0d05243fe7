import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsISO31661Alpha2,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { CODE_PATTERN } from '../catalog/product';

/** A customer id of the customers service: `cus_…` */
export const CUS_ID_PATTERN = /^cus_[0-9a-z]{22}$/;
/** `adr_…` */
export const ADDRESS_ID_PATTERN = /^adr_[0-9a-z]{22}$/;
/** A phone number in E.164 form: `+` and 7 to 15 digits, e.g. `+4930123456`. */
export const PHONE_PATTERN = /^\+[1-9][0-9]{6,14}$/;
/** A locale like `en` or `de-DE`. */
export const LOCALE_PATTERN = /^[a-z]{2}(-[A-Z]{2})?$/;
/** An id in another system (ERP number, loyalty card): printable, no spaces, 1 to 100 characters. */
export const EXTERNAL_ID_PATTERN = /^[\x21-\x7e]{1,100}$/;
export const ADDRESS_KINDS = ['shipping', 'billing'] as const;
export type AddressKind = (typeof ADDRESS_KINDS)[number];
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 200;

const CUSTOMER_ID_MESSAGE = { message: 'must be a customer id (cus_…)' };
const PASSWORD_MESSAGE = { message: `must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters` };

class CustomerIdField {
  @Matches(CUS_ID_PATTERN, CUSTOMER_ID_MESSAGE)
  customerId!: string;
}

/** A consent for one purpose, e.g. `{"purpose": "email-marketing", "granted": true}`. */
export class ConsentInput {
  @Matches(CODE_PATTERN, { message: 'purpose must be lower-case letters, digits and dashes, e.g. email-marketing' })
  purpose!: string;

  @IsBoolean()
  granted!: boolean;
}

/** The customer's id in another system, e.g. `{"system": "erp", "value": "D-10042"}`. */
export class ExternalIdInput {
  @Matches(CODE_PATTERN, { message: 'system must be lower-case letters, digits and dashes, e.g. erp or pos-loyalty' })
  system!: string;

  @Matches(EXTERNAL_ID_PATTERN, { message: 'value must be 1 to 100 printable characters without spaces' })
  value!: string;
}

export class AddressInput {
  @IsIn(ADDRESS_KINDS)
  kind!: AddressKind;

  /** The default shipping (or billing) address; setting it unsets the previous default of that kind. */
  @IsOptional()
  @IsBoolean()
  isDefault?: boolean;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  firstName?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  lastName?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  company?: string;

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

  @IsOptional()
  @IsString()
  @MaxLength(100)
  region?: string;

  /** ISO 3166-1 alpha-2, e.g. `DE`. */
  @IsISO31661Alpha2({ message: 'country must be an ISO 3166-1 alpha-2 code, e.g. DE' })
  country!: string;

  @IsOptional()
  @Matches(PHONE_PATTERN, { message: 'phone must be in E.164 form, e.g. +4930123456' })
  phone?: string;
}

/** Fields a customer may change on their own profile; `null` clears a field. */
export class ProfileChanges {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  firstName?: string | null;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  lastName?: string | null;

  @IsOptional()
  @Matches(PHONE_PATTERN, { message: 'phone must be in E.164 form, e.g. +4930123456' })
  phone?: string | null;

  @IsOptional()
  @Matches(LOCALE_PATTERN, { message: 'locale must be like "en" or "de-DE"' })
  preferredLocale?: string | null;

  /** Sets the listed purposes (with the time of the change); purposes not listed stay as they are. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique((c: ConsentInput) => c?.purpose, { message: 'consents must list each purpose once' })
  @ValidateNested({ each: true })
  @Type(() => ConsentInput)
  consents?: ConsentInput[];
}

export class SignUpInput extends ProfileChanges {
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH, PASSWORD_MESSAGE)
  password!: string;
}

export class SignUpRequest extends SignUpInput {
  /** The channel of the key the customer signed up through. */
  @IsOptional()
  @Matches(CODE_PATTERN)
  channel?: string;
}

export class LoginInput {
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;
}

export class LoginRequest extends LoginInput {
  @IsOptional()
  @Matches(CODE_PATTERN)
  channel?: string;
}

/** Issues a fresh token (current group and company) for a logged-in customer. */
export class RefreshTokenRequest extends CustomerIdField {}

export class ChangePasswordInput {
  @IsString()
  @IsNotEmpty()
  @MaxLength(PASSWORD_MAX_LENGTH)
  currentPassword!: string;

  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH, PASSWORD_MESSAGE)
  newPassword!: string;
}

export class ChangePasswordRequest extends ChangePasswordInput {
  @Matches(CUS_ID_PATTERN, CUSTOMER_ID_MESSAGE)
  customerId!: string;
}

/** Fields only staff (the admin role) may set, on top of the profile fields. */
class StaffFields extends ProfileChanges {
  /** A customer group code (retail, vip, wholesale…). */
  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'group must be a customer group code' })
  group?: string;

  /** Replaces the whole list. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique((e: ExternalIdInput) => e?.system, { message: 'externalIds must list each system once' })
  @ValidateNested({ each: true })
  @Type(() => ExternalIdInput)
  externalIds?: ExternalIdInput[];
}

/** What staff may change on a customer. */
export class CustomerChanges extends StaffFields {
  @IsOptional()
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email?: string;
}

/** A customer created by staff or another system (POS, ERP import): no password, they may sign up later. */
export class CreateCustomerRequest extends StaffFields {
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  @IsOptional()
  @Matches(CODE_PATTERN)
  channel?: string;
}

export class UpdateCustomerRequest {
  @Matches(CUS_ID_PATTERN, { message: 'id must be a customer id (cus_…)' })
  id!: string;

  /** The version the caller last read; a stale one is refused with VERSION_CONFLICT. */
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;

  @ValidateNested()
  @Type(() => CustomerChanges)
  changes!: CustomerChanges;

  @IsOptional()
  @Matches(CODE_PATTERN)
  channel?: string;
}

/** Look a customer up by exactly one of: id, email, or external id (system + value). */
export class GetCustomerRequest {
  @IsOptional()
  @IsString()
  @MaxLength(64)
  id?: string;

  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  externalSystem?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  externalId?: string;
}

/** Records that the customer used a channel (sign-up, login, and later each order). */
export class RecordChannelRequest {
  @Matches(CUS_ID_PATTERN, { message: 'id must be a customer id (cus_…)' })
  id!: string;

  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel!: string;
}

export class CustomerByIdRequest {
  @Matches(CUS_ID_PATTERN, { message: 'id must be a customer id (cus_…)' })
  id!: string;
}

export class ExportCustomerRequest extends CustomerByIdRequest {}
export class EraseCustomerRequest extends CustomerByIdRequest {}

export class AddAddressRequest extends CustomerIdField {
  @ValidateNested()
  @Type(() => AddressInput)
  address!: AddressInput;
}

export class ReplaceAddressRequest extends AddAddressRequest {
  @Matches(ADDRESS_ID_PATTERN, { message: 'addressId must be an address id (adr_…)' })
  addressId!: string;
}

export class RemoveAddressRequest extends CustomerIdField {
  @Matches(ADDRESS_ID_PATTERN, { message: 'addressId must be an address id (adr_…)' })
  addressId!: string;
}

export class Address {
  /** `adr_…` */
  id!: string;
  kind!: AddressKind;
  isDefault!: boolean;
  firstName!: string | null;
  lastName!: string | null;
  company!: string | null;
  line1!: string;
  line2!: string | null;
  postalCode!: string;
  city!: string;
  region!: string | null;
  country!: string;
  phone!: string | null;
}

export class Consent {
  purpose!: string;
  granted!: boolean;
  /** When the customer last granted or withdrew it. */
  changedAt!: string;
  /** The channel it was given or withdrawn in. */
  channel!: string | null;
}

export class ExternalId {
  system!: string;
  value!: string;
}

/** The B2B company a customer orders for. */
export class CustomerCompany {
  /** `cmp_…` */
  id!: string;
  name!: string;
  role!: 'buyer' | 'approver' | 'admin';
  group!: string;
}

/** A customer as the customers service returns it and as its events carry it. Never holds the password. */
export class Customer {
  /** `cus_…` */
  id!: string;
  email!: string;
  firstName!: string | null;
  lastName!: string | null;
  phone!: string | null;
  preferredLocale!: string | null;
  /** The customer's own group. */
  group!: string;
  /** The group whose prices apply: the company's group for a B2B member, else `group`. */
  pricingGroup!: string;
  /** Channels the customer has used (signed up, logged in, ordered). */
  channels!: string[];
  addresses!: Address[];
  consents!: Consent[];
  externalIds!: ExternalId[];
  company!: CustomerCompany | null;
  /** True when the customer can log in (signed up with a password). */
  hasPassword!: boolean;
  /** Set when the customer was erased (anonymized); personal fields are then empty. */
  erasedAt!: string | null;
  /** Increases on every change; the ETag of the customer. */
  version!: number;
  createdAt!: string;
  updatedAt!: string;
}

/** A logged-in customer: send `token` as `Authorization: Bearer <token>` with your channel key. */
export class CustomerSession {
  token!: string;
  tokenType!: 'Bearer';
  /** ISO time the token stops working; log in again (or refresh before) then. */
  expiresAt!: string;
  customer!: Customer;
}

/** The answer to a login: a session, or a refusal that is the same for an unknown email and a wrong password. */
export class LoginReply {
  session?: CustomerSession;
  refusal?: 'invalid-credentials' | 'locked';
  /** With `locked`: seconds until the email may try again. */
  retryAfterSeconds?: number;
}

/** `data` of `customers.customer.created|updated` (version 1): the customer's new state. */
export interface CustomerChangedEventData {
  customer: Customer;
}

/** `data` of `customers.customer.erased` (version 1): no personal data, only which customer to forget. */
export interface CustomerErasedEventData {
  customerId: string;
  erasedAt: string;
  version: number;
}

import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, Min, ValidateNested } from 'class-validator';
import { CODE_PATTERN } from '../catalog/product';
import { Money } from '../money';
import { Address, AddressInput, CUS_ID_PATTERN } from './customer';

/** `cmp_…` */
export const COMPANY_ID_PATTERN = /^cmp_[0-9a-z]{22}$/;
/** buyer: orders within the limit; approver: approves orders, does not order; admin: manages members, orders. */
export const COMPANY_ROLES = ['buyer', 'approver', 'admin'] as const;
export type CompanyRole = (typeof COMPANY_ROLES)[number];
/** Roles that may place orders on the company's behalf. */
export const COMPANY_ORDERING_ROLES: readonly CompanyRole[] = ['buyer', 'admin'];

const COMPANY_ID_MESSAGE = { message: 'must be a company id (cmp_…)' };

// ---------------------------------------------------------------- customer groups

export class CreateCustomerGroupRequest {
  /** e.g. `retail`, `vip`, `wholesale`: what pricing's group prices refer to. */
  @Matches(CODE_PATTERN, { message: 'code must be lower-case letters, digits and dashes' })
  code!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;
}

export class CustomerGroupChanges {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;
}

export class UpdateCustomerGroupRequest extends CustomerGroupChanges {
  @Matches(CODE_PATTERN, { message: 'code must be lower-case letters, digits and dashes' })
  code!: string;
}

export class ListCustomerGroupsRequest {}

export class CustomerGroup {
  code!: string;
  name!: string;
  createdAt!: string;
  updatedAt!: string;
}

export class CustomerGroupList {
  items!: CustomerGroup[];
}

// ---------------------------------------------------------------- companies

class CompanyFields {
  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'group must be a customer group code' })
  group?: string;

  /** The most one order may total; `null` = no limit. Orders in another currency are refused. */
  @IsOptional()
  @ValidateNested()
  @Type(() => Money)
  spendingLimit?: Money | null;

  /** Replaces the whole list. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => AddressInput)
  addresses?: AddressInput[];
}

export class CreateCompanyRequest extends CompanyFields {
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  /** VAT or other tax id, unique, e.g. `DE123456789`. */
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 ./-]{1,39}$/, { message: 'taxId must be 2 to 40 letters, digits, spaces, ".", "/" or "-"' })
  taxId!: string;
}

export class CompanyChanges extends CompanyFields {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 ./-]{1,39}$/, { message: 'taxId must be 2 to 40 letters, digits, spaces, ".", "/" or "-"' })
  taxId?: string;
}

export class UpdateCompanyRequest {
  @Matches(COMPANY_ID_PATTERN, { message: 'id must be a company id (cmp_…)' })
  id!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;

  @ValidateNested()
  @Type(() => CompanyChanges)
  changes!: CompanyChanges;
}

export class GetCompanyRequest {
  @Matches(COMPANY_ID_PATTERN, { message: 'id must be a company id (cmp_…)' })
  id!: string;
}

export class CompanyMemberInput {
  @IsIn(COMPANY_ROLES)
  role!: CompanyRole;
}

/** Adds the customer to the company, or changes their role. A customer belongs to one company at most. */
export class SetCompanyMemberRequest extends CompanyMemberInput {
  @Matches(COMPANY_ID_PATTERN, COMPANY_ID_MESSAGE)
  companyId!: string;

  @Matches(CUS_ID_PATTERN, { message: 'must be a customer id (cus_…)' })
  customerId!: string;
}

export class RemoveCompanyMemberRequest {
  @Matches(COMPANY_ID_PATTERN, COMPANY_ID_MESSAGE)
  companyId!: string;

  @Matches(CUS_ID_PATTERN, { message: 'must be a customer id (cus_…)' })
  customerId!: string;
}

export class CompanyOrderCheckInput {
  /** The order total. */
  @ValidateNested()
  @Type(() => Money)
  amount!: Money;
}

/**
 * May this customer place an order of `amount` on the company's behalf? Without `companyId`, the
 * customer's current company is used.
 */
export class AuthorizeCompanyOrderRequest extends CompanyOrderCheckInput {
  @IsOptional()
  @Matches(COMPANY_ID_PATTERN, COMPANY_ID_MESSAGE)
  companyId?: string;

  @Matches(CUS_ID_PATTERN, { message: 'must be a customer id (cus_…)' })
  customerId!: string;
}

export class CompanyMember {
  customerId!: string;
  role!: CompanyRole;
  email!: string;
  firstName!: string | null;
  lastName!: string | null;
  addedAt!: string;
}

export class Company {
  /** `cmp_…` */
  id!: string;
  name!: string;
  taxId!: string;
  group!: string;
  spendingLimit!: Money | null;
  addresses!: Address[];
  members!: CompanyMember[];
  version!: number;
  createdAt!: string;
  updatedAt!: string;
}

export const COMPANY_ORDER_REFUSALS = ['company-not-found', 'not-a-member', 'role-not-allowed', 'currency-mismatch', 'over-limit'] as const;
export type CompanyOrderRefusal = (typeof COMPANY_ORDER_REFUSALS)[number];

/** The decision on a B2B order: allowed, or refused with the reason and the limit. */
export class CompanyOrderAuthorization {
  allowed!: boolean;
  /** Set when refused. */
  reason?: CompanyOrderRefusal;
  /** Says why, naming the limit when there is one. */
  message!: string;
  companyId!: string | null;
  customerId!: string;
  role!: CompanyRole | null;
  spendingLimit!: Money | null;
}

/** Staff's (and the orders saga's) check for a named member. */
export class MemberOrderCheckInput extends CompanyOrderCheckInput {
  @Matches(CUS_ID_PATTERN, { message: 'must be a customer id (cus_…)' })
  customerId!: string;
}

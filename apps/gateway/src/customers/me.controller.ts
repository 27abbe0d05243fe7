import { Body, Controller, Delete, Get, HttpCode, HttpException, Inject, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import {
  AddressInput,
  ChangePasswordInput,
  CompanyOrderAuthorization,
  CompanyOrderCheckInput,
  Customer,
  CustomerExport,
  CustomerSession,
  CustomersSubjects,
  FieldProblem,
  LoyaltyAccount,
  LoyaltyChange,
  LoyaltyQuery,
  ProfileChanges,
  RedeemPointsInput,
} from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import type { FastifyReply } from 'fastify';
import { CustomerIdentity, Principal } from '../auth/api-keys';
import { CustomerOnly } from '../auth/api-key.guard';
import { CurrentCustomer, CurrentPrincipal } from '../auth/principal.decorator';
import { errorBody } from '../http/http-errors';
import { SERVICE_CLIENT } from '../tokens';
import { addressIdParam, ledgerStatus } from './customer-http';

/** The fields a refused order check is about, so a frontend can point at them. */
function refusalDetails(decision: CompanyOrderAuthorization): FieldProblem[] {
  if (decision.reason === 'over-limit') return [{ field: 'amount.amount', problem: `is over the company's per-order spending limit of ${decision.spendingLimit?.amount} (minor units of ${decision.spendingLimit?.currency})` }];
  if (decision.reason === 'currency-mismatch') return [{ field: 'amount.currency', problem: `must be ${decision.spendingLimit?.currency}, the currency of the spending limit` }];
  return [];
}

/**
 * Self-service of the logged-in customer. Every call acts on the customer of the token, never on an id
 * from the request: one customer's token cannot reach another customer's data.
 */
@ApiTags('me (customer self-service)')
@ApiSecurity('api-key')
@ApiBearerAuth('customer-token')
@ApiResponse({ status: 401, description: 'no or unknown API key, or no, invalid or expired customer token' })
@CustomerOnly()
@Controller('v1/me')
export class MeController {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  @Get()
  @ApiOperation({ summary: 'My profile', description: 'Profile, addresses, consents, external ids, channels used and B2B company.' })
  me(@CurrentCustomer() customer: CustomerIdentity): Promise<Customer> {
    return this.services.request<Customer>(CustomersSubjects.getCustomer, { id: customer.id });
  }

  @Patch()
  @ApiOperation({ summary: 'Change my profile', description: 'Fields you send replace the stored ones (`null` clears); consents you list are set with the time and your channel.' })
  update(@Body() changes: ProfileChanges, @CurrentCustomer() customer: CustomerIdentity, @CurrentPrincipal() principal: Principal): Promise<Customer> {
    return this.services.request<Customer>(CustomersSubjects.updateCustomer, { id: customer.id, changes, ...(principal.channel ? { channel: principal.channel } : {}) });
  }

  @Post('token')
  @HttpCode(200)
  @ApiOperation({ summary: 'A fresh token', description: 'With my current customer group and company, and a new expiry.' })
  refresh(@CurrentCustomer() customer: CustomerIdentity): Promise<CustomerSession> {
    return this.services.request<CustomerSession>(CustomersSubjects.refreshToken, { customerId: customer.id });
  }

  @Post('password')
  @HttpCode(204)
  @ApiOperation({ summary: 'Change my password', description: 'Needs the current one; wrong guesses count towards the login lock.' })
  async changePassword(@Body() body: ChangePasswordInput, @CurrentCustomer() customer: CustomerIdentity): Promise<void> {
    await this.services.request(CustomersSubjects.changePassword, { ...body, customerId: customer.id });
  }

  @Post('addresses')
  @HttpCode(201)
  @ApiOperation({ summary: 'Add an address', description: 'The first address of a kind becomes its default; `isDefault` moves the default.' })
  addAddress(@Body() address: AddressInput, @CurrentCustomer() customer: CustomerIdentity): Promise<Customer> {
    return this.services.request<Customer>(CustomersSubjects.addAddress, { customerId: customer.id, address });
  }

  @Put('addresses/:addressId')
  @ApiOperation({ summary: 'Replace one of my addresses' })
  @ApiResponse({ status: 404, description: 'you have no such address' })
  replaceAddress(@Param('addressId') addressId: string, @Body() address: AddressInput, @CurrentCustomer() customer: CustomerIdentity): Promise<Customer> {
    return this.services.request<Customer>(CustomersSubjects.replaceAddress, { customerId: customer.id, addressId: addressIdParam(addressId), address });
  }

  @Delete('addresses/:addressId')
  @ApiOperation({ summary: 'Remove one of my addresses' })
  @ApiResponse({ status: 404, description: 'you have no such address' })
  removeAddress(@Param('addressId') addressId: string, @CurrentCustomer() customer: CustomerIdentity): Promise<Customer> {
    return this.services.request<Customer>(CustomersSubjects.removeAddress, { customerId: customer.id, addressId: addressIdParam(addressId) });
  }

  @Get('loyalty')
  @ApiOperation({ summary: 'My loyalty balance and ledger', description: 'Newest entries first; pages follow `nextCursor`.' })
  loyalty(@Query() query: LoyaltyQuery, @CurrentCustomer() customer: CustomerIdentity): Promise<LoyaltyAccount> {
    return this.services.request<LoyaltyAccount>(CustomersSubjects.getLoyalty, { ...query, customerId: customer.id });
  }

  @Post('loyalty/redemptions')
  @ApiOperation({
    summary: 'Redeem my points (any channel)',
    description: '201 when redeemed; 200 when `idempotencyKey` was used before (nothing redeemed again); 409 naming `points` when the balance does not cover them.',
  })
  @ApiResponse({ status: 201, type: LoyaltyChange })
  async redeem(@Body() body: RedeemPointsInput, @CurrentCustomer() customer: CustomerIdentity, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<LoyaltyChange> {
    const change = await this.services.request<LoyaltyChange>(CustomersSubjects.redeemPoints, { ...body, customerId: customer.id, ...(principal.channel ? { channel: principal.channel } : {}) });
    return ledgerStatus(reply, change);
  }

  @Get('export')
  @ApiOperation({ summary: 'Everything held about me', description: 'Profile, addresses, consents, external ids, company membership, and the whole loyalty ledger with the balance.' })
  export(@CurrentCustomer() customer: CustomerIdentity): Promise<CustomerExport> {
    return this.services.request<CustomerExport>(CustomersSubjects.exportCustomer, { id: customer.id });
  }

  @Post('company/order-checks')
  @HttpCode(200)
  @ApiOperation({
    summary: 'May I order this amount for my company?',
    description: '200 when allowed; 403 with the reason and the limit when refused (not a member, a role that may not order, another currency, over the per-order spending limit). Checkout runs the same check.',
  })
  @ApiResponse({ status: 403, description: 'refused; `message` names the limit' })
  async orderCheck(@Body() body: CompanyOrderCheckInput, @CurrentCustomer() customer: CustomerIdentity): Promise<CompanyOrderAuthorization> {
    const decision = await this.services.request<CompanyOrderAuthorization>(CustomersSubjects.authorizeCompanyOrder, { amount: body.amount, customerId: customer.id });
    if (!decision.allowed) throw new HttpException({ ...errorBody(403, decision.message, refusalDetails(decision)), reason: decision.reason, spendingLimit: decision.spendingLimit }, 403);
    return decision;
  }
}

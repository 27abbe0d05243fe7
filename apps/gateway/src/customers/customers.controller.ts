import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import {
  AdjustPointsInput,
  CreateCustomerRequest,
  Customer,
  CustomerChanges,
  CustomerExport,
  CustomersSubjects,
  EarnPointsInput,
  LoyaltyAccount,
  LoyaltyChange,
  LoyaltyQuery,
  RedeemPointsInput,
} from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/api-key.guard';
import { versionFromIfMatch } from '../products/products.controller';
import { SERVICE_CLIENT } from '../tokens';
import { customerIdParam, ledgerStatus, preconditioned, withEtag } from './customer-http';

/** Staff's view of customers: any customer by id, email or external id; loyalty; GDPR export and erasure. */
@ApiTags('customers (admin)')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@ApiResponse({ status: 403, description: 'not an admin key' })
@Roles('admin')
@Controller('v1/customers')
export class CustomersController {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a customer without a password (admin)', description: 'For staff, POS and imports (match them later by email or external id). Signing up with the same email is refused (409) until email verification exists to prove the profile is theirs.' })
  @ApiResponse({ status: 409, description: 'email or an external id already used' })
  async create(@Body() body: CreateCustomerRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Customer> {
    const customer = await this.services.request<Customer>(CustomersSubjects.createCustomer, body);
    void reply.header('location', `/v1/customers/${customer.id}`);
    return withEtag(reply, customer);
  }

  @Get('by-email/:email')
  @ApiOperation({ summary: 'Find a customer by email (admin)', description: 'Case-insensitive.' })
  async byEmail(@Param('email') email: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<Customer> {
    return withEtag(reply, await this.services.request<Customer>(CustomersSubjects.getCustomer, { email: email.slice(0, 254) }));
  }

  @Get('by-external-id/:system/:value')
  @ApiOperation({ summary: 'Find a customer by an id in another system (admin)', description: 'e.g. `/by-external-id/erp/D-10042` or `/by-external-id/pos-loyalty/4711`.' })
  async byExternalId(@Param('system') system: string, @Param('value') value: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<Customer> {
    return withEtag(reply, await this.services.request<Customer>(CustomersSubjects.getCustomer, { externalSystem: system.slice(0, 64), externalId: value.slice(0, 100) }));
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a customer (admin)', description: 'ETag holds the version.' })
  async get(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<Customer> {
    return withEtag(reply, await this.services.request<Customer>(CustomersSubjects.getCustomer, { id: customerIdParam(id) }));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a customer (admin)', description: 'Fields you send replace the stored ones; `externalIds` replaces the list. With If-Match, a stale version is 412.' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the ETag of the version you changed' })
  async update(@Param('id') id: string, @Body() changes: CustomerChanges, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<Customer> {
    const expectedVersion = versionFromIfMatch(ifMatch);
    const customer = await preconditioned(() => this.services.request<Customer>(CustomersSubjects.updateCustomer, { id: customerIdParam(id), changes, ...(expectedVersion ? { expectedVersion } : {}) }));
    return withEtag(reply, customer);
  }

  @Get(':id/export')
  @ApiOperation({ summary: 'Export everything held about a customer (admin, GDPR)' })
  export(@Param('id') id: string): Promise<CustomerExport> {
    return this.services.request<CustomerExport>(CustomersSubjects.exportCustomer, { id: customerIdParam(id) });
  }

  @Post(':id/erase')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Erase (anonymize) a customer (admin, GDPR)',
    description: 'Personal fields, addresses, consents, external ids, company membership and the password go; the id and the loyalty ledger (amounts and order ids) stay. Emits customers.customer.erased. Erasing twice changes nothing.',
  })
  erase(@Param('id') id: string): Promise<Customer> {
    return this.services.request<Customer>(CustomersSubjects.eraseCustomer, { id: customerIdParam(id) });
  }

  @Get(':id/loyalty')
  @ApiOperation({ summary: 'A customer’s loyalty balance and ledger (admin)' })
  loyalty(@Param('id') id: string, @Query() query: LoyaltyQuery): Promise<LoyaltyAccount> {
    return this.services.request<LoyaltyAccount>(CustomersSubjects.getLoyalty, { ...query, customerId: customerIdParam(id) });
  }

  @Post(':id/loyalty/earnings')
  @ApiOperation({ summary: 'Credit earned points (admin; orders will do this from its events)', description: '201 when credited, 200 when `idempotencyKey` was used before.' })
  @ApiResponse({ status: 201, type: LoyaltyChange })
  async earn(@Param('id') id: string, @Body() body: EarnPointsInput, @Res({ passthrough: true }) reply: FastifyReply): Promise<LoyaltyChange> {
    return ledgerStatus(reply, await this.services.request<LoyaltyChange>(CustomersSubjects.earnPoints, { ...body, customerId: customerIdParam(id) }));
  }

  @Post(':id/loyalty/redemptions')
  @ApiOperation({ summary: 'Redeem a customer’s points (admin)', description: '409 naming `points` when the balance does not cover them.' })
  @ApiResponse({ status: 201, type: LoyaltyChange })
  async redeem(@Param('id') id: string, @Body() body: RedeemPointsInput, @Res({ passthrough: true }) reply: FastifyReply): Promise<LoyaltyChange> {
    return ledgerStatus(reply, await this.services.request<LoyaltyChange>(CustomersSubjects.redeemPoints, { ...body, customerId: customerIdParam(id) }));
  }

  @Post(':id/loyalty/adjustments')
  @ApiOperation({ summary: 'Correct a customer’s points (admin)', description: 'Positive adds points that never expire; negative removes (not below zero).' })
  @ApiResponse({ status: 201, type: LoyaltyChange })
  async adjust(@Param('id') id: string, @Body() body: AdjustPointsInput, @Res({ passthrough: true }) reply: FastifyReply): Promise<LoyaltyChange> {
    return ledgerStatus(reply, await this.services.request<LoyaltyChange>(CustomersSubjects.adjustPoints, { ...body, customerId: customerIdParam(id) }));
  }
}

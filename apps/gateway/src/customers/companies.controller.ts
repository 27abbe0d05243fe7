import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Patch, Post, Put, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Company, CompanyChanges, CompanyMemberInput, CompanyOrderAuthorization, CreateCompanyRequest, CustomersSubjects, MemberOrderCheckInput } from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/api-key.guard';
import { versionFromIfMatch } from '../products/products.controller';
import { SERVICE_CLIENT } from '../tokens';
import { companyIdParam, customerIdParam, preconditioned, withEtag } from './customer-http';

@ApiTags('B2B companies (admin)')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@ApiResponse({ status: 403, description: 'not an admin key' })
@Roles('admin')
@Controller('v1/companies')
export class CompaniesController {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a B2B company (admin)', description: 'Its customer group (default wholesale) prices its members’ orders; `spendingLimit` caps each order.' })
  @ApiResponse({ status: 409, description: 'another company has this tax id' })
  async create(@Body() body: CreateCompanyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Company> {
    const company = await this.services.request<Company>(CustomersSubjects.createCompany, body);
    void reply.header('location', `/v1/companies/${company.id}`);
    return withEtag(reply, company);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a company with its members (admin)' })
  async get(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<Company> {
    return withEtag(reply, await this.services.request<Company>(CustomersSubjects.getCompany, { id: companyIdParam(id) }));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a company (admin)', description: '`spendingLimit: null` removes the limit; `addresses` replaces the list. Members of a company whose group changes get a customers.customer.updated event.' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the ETag of the version you changed' })
  async update(@Param('id') id: string, @Body() changes: CompanyChanges, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<Company> {
    const expectedVersion = versionFromIfMatch(ifMatch);
    const company = await preconditioned(() => this.services.request<Company>(CustomersSubjects.updateCompany, { id: companyIdParam(id), changes, ...(expectedVersion ? { expectedVersion } : {}) }));
    return withEtag(reply, company);
  }

  @Put(':id/members/:customerId')
  @ApiOperation({ summary: 'Add a member or change their role (admin)', description: 'buyer: orders within the limit; approver: approves, does not order; admin: manages, orders. A customer belongs to one company at most (409 otherwise).' })
  async setMember(@Param('id') id: string, @Param('customerId') customerId: string, @Body() body: CompanyMemberInput): Promise<Company> {
    return this.services.request<Company>(CustomersSubjects.setCompanyMember, { companyId: companyIdParam(id), customerId: customerIdParam(customerId), role: body.role });
  }

  @Delete(':id/members/:customerId')
  @ApiOperation({ summary: 'Remove a member (admin)' })
  async removeMember(@Param('id') id: string, @Param('customerId') customerId: string): Promise<Company> {
    return this.services.request<Company>(CustomersSubjects.removeCompanyMember, { companyId: companyIdParam(id), customerId: customerIdParam(customerId) });
  }

  @Post(':id/order-checks')
  @HttpCode(200)
  @ApiOperation({
    summary: 'May this member order this amount for the company? (admin)',
    description: 'The decision the orders checkout gets from customers.company.authorize-order: `allowed`, and when refused the `reason` and the limit.',
  })
  orderCheck(@Param('id') id: string, @Body() body: MemberOrderCheckInput): Promise<CompanyOrderAuthorization> {
    return this.services.request<CompanyOrderAuthorization>(CustomersSubjects.authorizeCompanyOrder, { companyId: companyIdParam(id), customerId: body.customerId, amount: body.amount });
  }
}

import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CODE_PATTERN, CreateCustomerGroupRequest, CustomerGroup, CustomerGroupChanges, CustomerGroupList, CustomersSubjects } from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import { Roles } from '../auth/api-key.guard';
import { SERVICE_CLIENT } from '../tokens';

@ApiTags('customer groups')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@Controller('v1/customer-groups')
export class CustomerGroupsController {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  @Get()
  @ApiOperation({ summary: 'List customer groups', description: 'The codes that group prices refer to (retail, vip, wholesale…).' })
  list(): Promise<CustomerGroupList> {
    return this.services.request<CustomerGroupList>(CustomersSubjects.listGroups, {});
  }

  @Post()
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a customer group (admin)' })
  @ApiResponse({ status: 409, description: 'the code is taken' })
  create(@Body() body: CreateCustomerGroupRequest): Promise<CustomerGroup> {
    return this.services.request<CustomerGroup>(CustomersSubjects.createGroup, body);
  }

  @Patch(':code')
  @Roles('admin')
  @ApiOperation({ summary: 'Rename a customer group (admin)', description: 'The code never changes: prices refer to it.' })
  rename(@Param('code') code: string, @Body() body: CustomerGroupChanges): Promise<CustomerGroup> {
    if (!CODE_PATTERN.test(code)) throw new NotFoundException(`no customer group "${code.slice(0, 64)}"`);
    return this.services.request<CustomerGroup>(CustomersSubjects.updateGroup, { code, name: body.name });
  }
}

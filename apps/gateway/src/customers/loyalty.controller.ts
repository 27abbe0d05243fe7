import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CustomersSubjects, ExpirePointsRequest, LoyaltyExpiryRun } from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import { Roles } from '../auth/api-key.guard';
import { SERVICE_CLIENT } from '../tokens';

@ApiTags('customers (admin)')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@ApiResponse({ status: 403, description: 'not an admin key' })
@Roles('admin')
@Controller('v1/loyalty')
export class LoyaltyController {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  @Post('expiry-runs')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Expire due points now (admin)',
    description: 'The customers service does this every LOYALTY_EXPIRY_SWEEP_MS; this runs it at once, for every customer or for `customerId`.',
  })
  expire(@Body() body: ExpirePointsRequest): Promise<LoyaltyExpiryRun> {
    return this.services.request<LoyaltyExpiryRun>(CustomersSubjects.expirePoints, body ?? {});
  }
}

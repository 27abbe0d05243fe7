import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { InventorySubjects, PickupAvailabilityReply, PickupAvailabilityRequest, SkuAvailability } from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { SERVICE_CLIENT } from '../tokens';
import { forPrincipal } from './availability-cache';
import { channelScope } from './channel-scope';

@ApiTags('availability')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@Controller('v1/availability')
export class AvailabilityController {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  @Get(':sku')
  @ApiOperation({
    summary: 'Available quantity of a SKU, per location and in total, for your channel',
    description: 'Channel keys see the active locations that supply their channel (a store POS: only its store). Admin keys see every active location, or one channel with `?channel=`; they also see on hand and reserved.',
  })
  @ApiQuery({ name: 'channel', required: false, description: 'admin keys: compute for this channel' })
  @ApiResponse({ status: 404, description: 'the catalog knows no such SKU' })
  async get(@Param('sku') sku: string, @Query('channel') channel: string | undefined, @CurrentPrincipal() principal: Principal): Promise<SkuAvailability> {
    const scope = channelScope(principal, channel);
    const availability = await this.services.request<SkuAvailability>(InventorySubjects.getAvailability, { sku, ...(scope ? { channel: scope } : {}) });
    return forPrincipal(availability, principal);
  }

  @Post('pickup')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Click & collect: pickup locations that can serve every line now, nearest first',
    description: 'Give `locationId` (search around that location) or `latitude` and `longitude`, and optionally `radiusKm` (default 25). Distances are great-circle (haversine).',
  })
  async pickup(@Body() body: PickupAvailabilityRequest, @CurrentPrincipal() principal: Principal): Promise<PickupAvailabilityReply> {
    const scope = channelScope(principal, body.channel);
    return this.services.request<PickupAvailabilityReply>(InventorySubjects.pickupAvailability, { ...body, channel: scope });
  }
}

import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { OrderReturn, OrderTransitionBody, OrdersSubjects } from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { GatewayConfig } from '../config';
import { GATEWAY_CONFIG, SERVICE_CLIENT } from '../tokens';
import { orderCaller } from './order-caller';

@ApiTags('orders')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@Controller('v1/returns')
export class ReturnsController {
  constructor(
    @Inject(SERVICE_CLIENT) private readonly services: ServiceClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get(':id')
  @ApiOperation({ summary: 'A return' })
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<OrderReturn> {
    return this.services.request<OrderReturn>(OrdersSubjects.getReturn, { id, caller: orderCaller(principal, this.config.STAFF_CHANNELS) });
  }

  @Post(':id/accept')
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept a return: its goods are restocked at its location (once)', description: 'For staff keys (stores, warehouse) and admin keys.' })
  @ApiResponse({ status: 403, description: 'not a staff or admin key' })
  @ApiResponse({ status: 409, description: 'the return was rejected, or another acceptance of it is under way' })
  accept(@Param('id') id: string, @Body() body: OrderTransitionBody, @CurrentPrincipal() principal: Principal): Promise<OrderReturn> {
    return this.services.request<OrderReturn>(OrdersSubjects.acceptReturn, { id, ...(body.reason ? { reason: body.reason } : {}), caller: orderCaller(principal, this.config.STAFF_CHANNELS) });
  }

  @Post(':id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a return: nothing is restocked and its units may be returned again', description: 'For staff keys and admin keys.' })
  @ApiResponse({ status: 409, description: 'the return was accepted, or is being accepted' })
  reject(@Param('id') id: string, @Body() body: OrderTransitionBody, @CurrentPrincipal() principal: Principal): Promise<OrderReturn> {
    return this.services.request<OrderReturn>(OrdersSubjects.rejectReturn, { id, ...(body.reason ? { reason: body.reason } : {}), caller: orderCaller(principal, this.config.STAFF_CHANNELS) });
  }
}

import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { InventorySubjects, RESERVATION_ID_PATTERN, Reservation, ReserveStockRequest } from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { asGatewayValidationError, jsonObjectBody } from '../http/http-errors';
import { SERVICE_CLIENT } from '../tokens';
import { channelScope } from './channel-scope';

/** `res_…` names a reservation by id; anything else by the caller's key. */
function refOf(idOrKey: string, principal: Principal) {
  const ref = RESERVATION_ID_PATTERN.test(idOrKey) ? { id: idOrKey } : { key: idOrKey.slice(0, 200) };
  return principal.role === 'channel' ? { ...ref, channel: principal.channel } : ref;
}

@ApiTags('reservations')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@Controller('v1/reservations')
export class ReservationsController {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Reserve stock: every line or nothing',
    description:
      'Channel keys reserve for their own channel. Without `locationId` the allocation rule picks among the locations that supply the channel. ' +
      'Repeating a `key` returns the first reservation and reserves nothing again. Uncommitted reservations expire after `ttlSeconds`.',
  })
  @ApiBody({ type: ReserveStockRequest })
  @ApiResponse({ status: 400, description: 'a field is wrong; `details` names it' })
  @ApiResponse({ status: 409, description: 'not enough stock (the body names each short SKU and what is available), or the key is used for other lines' })
  async reserve(@Body() raw: Record<string, unknown>, @CurrentPrincipal() principal: Principal): Promise<Reservation> {
    // Validated once, by the inventory, against the same contract class: reservations are hot.
    const body = jsonObjectBody(raw);
    const channel = channelScope(principal, body['channel'] as string | undefined);
    try {
      return await this.services.request<Reservation>(InventorySubjects.reserveStock, { ...body, ...(channel ? { channel } : {}) });
    } catch (err) {
      throw asGatewayValidationError(err);
    }
  }

  @Get(':idOrKey')
  @ApiOperation({ summary: 'Get a reservation by id (res_…) or by key' })
  @ApiParam({ name: 'idOrKey', description: 'the reservation id (res_…) or the key it was made with' })
  get(@Param('idOrKey') idOrKey: string, @CurrentPrincipal() principal: Principal): Promise<Reservation> {
    return this.services.request<Reservation>(InventorySubjects.getReservation, refOf(idOrKey, principal));
  }

  @Post(':idOrKey/commit')
  @HttpCode(200)
  @ApiOperation({ summary: 'Commit a reservation: the stock leaves (on hand and reserved drop). Repeating it changes nothing.' })
  @ApiResponse({ status: 409, description: 'the reservation was released or has expired' })
  commit(@Param('idOrKey') idOrKey: string, @CurrentPrincipal() principal: Principal): Promise<Reservation> {
    return this.services.request<Reservation>(InventorySubjects.commitReservation, refOf(idOrKey, principal));
  }

  @Post(':idOrKey/release')
  @HttpCode(200)
  @ApiOperation({ summary: 'Release a reservation: its units are available again. Repeating it changes nothing.' })
  @ApiResponse({ status: 409, description: 'the reservation was committed' })
  release(@Param('idOrKey') idOrKey: string, @CurrentPrincipal() principal: Principal): Promise<Reservation> {
    return this.services.request<Reservation>(InventorySubjects.releaseReservation, refOf(idOrKey, principal));
  }
}

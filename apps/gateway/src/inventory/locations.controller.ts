import { Body, Controller, Get, Headers, HttpCode, Inject, NotFoundException, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CreateLocationRequest, InventorySubjects, ListLocationsRequest, Location, LocationChanges, LocationPage } from '@omnibus/contracts';
import { RemoteError, ServiceClient } from '@omnibus/service-kit';
import type { FastifyReply } from 'fastify';
import { Principal } from '../auth/api-keys';
import { Roles } from '../auth/api-key.guard';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { versionFromIfMatch } from '../products/products.controller';
import { SERVICE_CLIENT } from '../tokens';
import { channelScope } from './channel-scope';

@ApiTags('locations')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@Controller('v1/locations')
export class LocationsController {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  @Get()
  @ApiOperation({ summary: 'List warehouses and stores', description: 'Channel keys see the active locations that supply their channel.' })
  async list(@Query() query: ListLocationsRequest, @CurrentPrincipal() principal: Principal): Promise<LocationPage> {
    return this.services.request<LocationPage>(InventorySubjects.listLocations, { ...query, channel: channelScope(principal, query.channel) });
  }

  @Post()
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a warehouse or store (admin)' })
  @ApiResponse({ status: 409, description: 'code already used' })
  async create(@Body() body: CreateLocationRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Location> {
    const location = await this.services.request<Location>(InventorySubjects.createLocation, body);
    void reply.header('etag', `"${location.version}"`).header('location', `/v1/locations/${location.id}`);
    return location;
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a location' })
  @ApiResponse({ status: 404, description: 'no such location, or it does not supply your channel' })
  async get(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<Location> {
    const location = await this.services.request<Location>(InventorySubjects.getLocation, { id }).catch((err) => {
      if (err instanceof RemoteError && err.body.code === 'VALIDATION') throw new NotFoundException(`no location with id "${id.slice(0, 64)}"`);
      throw err;
    });
    if (principal.role === 'channel' && !(location.active && location.channels.includes(principal.channel ?? ''))) throw new NotFoundException('no such location in your channel');
    void reply.header('etag', `"${location.version}"`);
    return location;
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Change a location (admin)', description: 'Fields you send replace the stored ones; send If-Match with the ETag you read to refuse lost updates.' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the ETag of the version you changed' })
  @ApiResponse({ status: 409, description: 'the location changed since you read it (with If-Match)' })
  async update(@Param('id') id: string, @Body() changes: LocationChanges, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<Location> {
    const expectedVersion = versionFromIfMatch(ifMatch);
    const location = await this.services.request<Location>(InventorySubjects.updateLocation, { id, changes, ...(expectedVersion !== undefined ? { expectedVersion } : {}) });
    void reply.header('etag', `"${location.version}"`);
    return location;
  }
}

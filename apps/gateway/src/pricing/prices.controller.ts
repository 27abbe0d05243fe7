import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CreatePriceRequest, ListPricesRequest, PRICE_ID, Price, PriceChanges, PricePage, PricingSubjects } from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/api-key.guard';
import { SERVICE_CLIENT } from '../tokens';
import { checkId, etag, preconditioned, requiredVersion } from './preconditions';

@ApiTags('pricing')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@ApiResponse({ status: 403, description: 'not an admin key' })
@Roles('admin')
@Controller('v1/prices')
export class PricesController {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  @Get()
  @ApiOperation({ summary: 'List prices (admin)', description: 'Filter by price list and/or SKU; pages follow `nextCursor`.' })
  list(@Query() query: ListPricesRequest): Promise<PricePage> {
    return this.services.request<PricePage>(PricingSubjects.listPrices, query);
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create a price (admin)',
    description: 'Scope fields left out mean "any". One price per SKU, currency, channel, customer group, country and minQuantity in a list: a second one is a 409 naming minQuantity.',
  })
  @ApiResponse({ status: 409, description: 'the list already has a price with this scope and tier' })
  async create(@Body() body: CreatePriceRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Price> {
    const price = await this.services.request<Price>(PricingSubjects.createPrice, body);
    void reply.header('etag', etag(price)).header('location', `/v1/prices/${price.id}`);
    return price;
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a price (admin)' })
  async get(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<Price> {
    checkId(id, PRICE_ID, 'price');
    const price = await this.services.request<Price>(PricingSubjects.getPrice, { id });
    void reply.header('etag', etag(price));
    return price;
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a price’s amount or window (admin)', description: 'Send the ETag you read in If-Match; null clears validFrom or validUntil. A change to nothing writes nothing.' })
  @ApiHeader({ name: 'If-Match', required: true, description: 'the ETag of the version you changed' })
  @ApiResponse({ status: 412, description: 'the price changed since you read it' })
  @ApiResponse({ status: 428, description: 'If-Match is missing' })
  async update(@Param('id') id: string, @Body() changes: PriceChanges, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<Price> {
    checkId(id, PRICE_ID, 'price');
    const expectedVersion = requiredVersion(ifMatch, 'price');
    const price = await preconditioned(() => this.services.request<Price>(PricingSubjects.updatePrice, { id, expectedVersion, changes }));
    void reply.header('etag', etag(price));
    return price;
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a price (admin)', description: 'If-Match is optional; when sent, a stale one is refused with 412.' })
  async delete(@Param('id') id: string, @Headers('if-match') ifMatch: string | undefined): Promise<Price> {
    checkId(id, PRICE_ID, 'price');
    const expectedVersion = ifMatch === undefined ? undefined : requiredVersion(ifMatch, 'price');
    return preconditioned(() => this.services.request<Price>(PricingSubjects.deletePrice, { id, expectedVersion }));
  }
}

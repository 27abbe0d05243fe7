import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import {
  CreatePriceListRequest,
  ListPriceListsRequest,
  MAX_PRICES_PER_UPSERT,
  PRICE_LIST_ID,
  PriceList,
  PriceListChanges,
  PriceListPage,
  PricingSubjects,
  UpsertPricesBody,
  UpsertPricesResult,
} from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/api-key.guard';
import { SERVICE_CLIENT } from '../tokens';
import { checkId, etag, preconditioned, requiredVersion } from './preconditions';

/** Bulk upserts of thousands of prices take longer than a usual request. */
const BULK_TIMEOUT_MS = 60_000;

@ApiTags('pricing')
@ApiSecurity('api-key')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@ApiResponse({ status: 403, description: 'not an admin key' })
@Roles('admin')
@Controller('v1/price-lists')
export class PriceListsController {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  @Get()
  @ApiOperation({ summary: 'List price lists (admin)' })
  list(@Query() query: ListPriceListsRequest): Promise<PriceListPage> {
    return this.services.request<PriceListPage>(PricingSubjects.listPriceLists, query);
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a price list (admin)', description: 'Among equally specific prices, the list with the higher priority wins. Prices of an inactive list are never used.' })
  async create(@Body() body: CreatePriceListRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<PriceList> {
    const list = await this.services.request<PriceList>(PricingSubjects.createPriceList, body);
    void reply.header('etag', etag(list)).header('location', `/v1/price-lists/${list.id}`);
    return list;
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a price list (admin)' })
  async get(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<PriceList> {
    checkId(id, PRICE_LIST_ID, 'price list');
    const list = await this.services.request<PriceList>(PricingSubjects.getPriceList, { id });
    void reply.header('etag', etag(list));
    return list;
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a price list (admin)', description: 'Send the ETag you read in If-Match. A change of status or priority changes the effective price of every SKU in the list.' })
  @ApiHeader({ name: 'If-Match', required: true, description: 'the ETag of the version you changed' })
  @ApiResponse({ status: 412, description: 'the list changed since you read it' })
  @ApiResponse({ status: 428, description: 'If-Match is missing' })
  async update(@Param('id') id: string, @Body() changes: PriceListChanges, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<PriceList> {
    checkId(id, PRICE_LIST_ID, 'price list');
    const expectedVersion = requiredVersion(ifMatch, 'price list');
    const list = await preconditioned(() => this.services.request<PriceList>(PricingSubjects.updatePriceList, { id, expectedVersion, changes }));
    void reply.header('etag', etag(list));
    return list;
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a price list and all its prices (admin)', description: 'If-Match is optional; when sent, a stale one is refused with 412.' })
  async delete(@Param('id') id: string, @Headers('if-match') ifMatch: string | undefined): Promise<PriceList> {
    checkId(id, PRICE_LIST_ID, 'price list');
    const expectedVersion = ifMatch === undefined ? undefined : requiredVersion(ifMatch, 'price list');
    return preconditioned(() => this.services.request<PriceList>(PricingSubjects.deletePriceList, { id, expectedVersion }));
  }

  @Post(':id/prices/bulk')
  @HttpCode(200)
  @ApiOperation({
    summary: `Create or update up to ${MAX_PRICES_PER_UPSERT.toLocaleString('en')} prices of the list (admin)`,
    description:
      'Each price is matched to a stored one by SKU, currency, channel, customer group, country and minQuantity; a price sent replaces its amount and window. Prices that are the same as stored are not written and emit no event. Two prices with the same match key in one request are a 400 naming the later one.',
  })
  upsert(@Param('id') id: string, @Body() body: UpsertPricesBody): Promise<UpsertPricesResult> {
    checkId(id, PRICE_LIST_ID, 'price list');
    return this.services.request<UpsertPricesResult>(PricingSubjects.upsertPrices, { priceListId: id, prices: body.prices }, BULK_TIMEOUT_MS);
  }
}

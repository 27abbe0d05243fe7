import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import {
  AdjustStockBody,
  BulkSetStockReply,
  BulkSetStockRequest,
  InventorySubjects,
  ListMovementsRequest,
  MovementPage,
  SetStockBody,
  StockLevel,
  TransferStockReply,
  TransferStockRequest,
} from '@omnibus/contracts';
import { ServiceClient } from '@omnibus/service-kit';
import { Roles } from '../auth/api-key.guard';
import { SERVICE_CLIENT } from '../tokens';

@ApiTags('stock')
@ApiSecurity('api-key')
@Roles('admin')
@ApiResponse({ status: 401, description: 'no or unknown API key' })
@ApiResponse({ status: 403, description: 'not an admin key' })
@ApiResponse({ status: 400, description: 'bad input: a negative quantity, an unknown location, a SKU the catalog does not know' })
@Controller('v1/stock')
export class StockController {
  constructor(@Inject(SERVICE_CLIENT) private readonly services: ServiceClient) {}

  @Get('movements')
  @ApiOperation({ summary: 'Movement history (admin)', description: 'Every change of on-hand stock with its reason and reference, newest first.' })
  listMovements(@Query() query: ListMovementsRequest): Promise<MovementPage> {
    return this.services.request<MovementPage>(InventorySubjects.listMovements, query);
  }

  @Post('transfers')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move available units of a SKU between locations (admin)' })
  @ApiResponse({ status: 409, description: 'not enough available at the source' })
  transfer(@Body() body: TransferStockRequest): Promise<TransferStockReply> {
    return this.services.request<TransferStockReply>(InventorySubjects.transferStock, body);
  }

  @Post('bulk')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Set many on-hand figures at once, e.g. a WMS feed (admin)',
    description: 'Up to 10,000 items, all or nothing. Only levels whose on-hand figure changed get a movement and an inventory.stock.changed event.',
  })
  bulkSet(@Body() body: BulkSetStockRequest): Promise<BulkSetStockReply> {
    return this.services.request<BulkSetStockReply>(InventorySubjects.bulkSetStock, body, 60_000);
  }

  @Put(':locationId/:sku')
  @ApiOperation({ summary: 'Set the on-hand figure of a SKU at a location, e.g. from a WMS count (admin)' })
  set(@Param('locationId') locationId: string, @Param('sku') sku: string, @Body() body: SetStockBody): Promise<StockLevel> {
    return this.services.request<StockLevel>(InventorySubjects.setStock, { ...body, sku, locationId });
  }

  @Post(':locationId/:sku/adjustments')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change the on-hand figure by a delta: receipt, return, damage, loss, correction (admin)' })
  @ApiResponse({ status: 409, description: 'would leave less than nothing on hand' })
  adjust(@Param('locationId') locationId: string, @Param('sku') sku: string, @Body() body: AdjustStockBody): Promise<StockLevel> {
    return this.services.request<StockLevel>(InventorySubjects.adjustStock, { ...body, sku, locationId });
  }
}

import { Global, Module } from '@nestjs/common';
import { AvailabilityCache } from './availability-cache';
import { AvailabilityController } from './availability.controller';
import { LocationsController } from './locations.controller';
import { ReservationsController } from './reservations.controller';
import { StockController } from './stock.controller';

/** Inventory routes; global so product details can show availability from the same cache. */
@Global()
@Module({
  controllers: [LocationsController, StockController, AvailabilityController, ReservationsController],
  providers: [AvailabilityCache],
  exports: [AvailabilityCache],
})
export class InventoryModule {}

import { DynamicModule, Module } from '@nestjs/common';
import { INVENTORY_STREAM, InventoryEvents } from '@omnibus/contracts';
import { Migration, ServiceKitModule } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { AvailabilityModule } from './availability/availability.module';
import { InventoryConfig } from './config';
import { LocationsModule } from './locations/locations.module';
import { ReservationsModule } from './reservations/reservations.module';
import { SkusModule } from './skus/skus.module';
import { StockModule } from './stock/stock.module';

@Module({})
export class AppModule {
  static forRoot(config: InventoryConfig, logger: Logger, migrations: Migration[]): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot({
          service: 'inventory',
          config,
          logger,
          migrations,
          streams: [{ name: INVENTORY_STREAM, subjects: Object.values(InventoryEvents) }],
        }),
        SkusModule,
        LocationsModule,
        StockModule,
        ReservationsModule,
        AvailabilityModule,
      ],
    };
  }
}

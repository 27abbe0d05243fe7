import { DynamicModule, Module } from '@nestjs/common';
import { CATALOG_STREAM, CatalogEvents } from '@omnibus/contracts';
import { Migration, ServiceConfig, ServiceKitModule } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { ProductsModule } from './products/products.module';

@Module({})
export class AppModule {
  static forRoot(config: ServiceConfig, logger: Logger, migrations: Migration[]): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot({
          service: 'catalog',
          config,
          logger,
          migrations,
          streams: [{ name: CATALOG_STREAM, subjects: Object.values(CatalogEvents) }],
        }),
        ProductsModule,
      ],
    };
  }
}

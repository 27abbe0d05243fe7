import { DynamicModule, Module } from '@nestjs/common';
import { PRICING_STREAM, PricingEvents } from '@omnibus/contracts';
import { Migration, ServiceKitModule } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { CatalogModule } from './catalog/catalog.module';
import { PricingConfig } from './config';
import { CouponsModule } from './coupons/coupons.module';
import { PricesModule } from './prices/prices.module';
import { PromotionsModule } from './promotions/promotions.module';
import { QuotesModule } from './quotes/quotes.module';

@Module({})
export class AppModule {
  static forRoot(config: PricingConfig, logger: Logger, migrations: Migration[]): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot({
          service: 'pricing',
          config,
          logger,
          migrations,
          streams: [{ name: PRICING_STREAM, subjects: Object.values(PricingEvents) }],
        }),
        PricesModule,
        PromotionsModule,
        CouponsModule,
        CatalogModule,
        QuotesModule,
      ],
    };
  }
}

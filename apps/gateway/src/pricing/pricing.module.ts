import { Global, Module } from '@nestjs/common';
import { CouponsController } from './coupons.controller';
import { PriceCache } from './price-cache';
import { PriceListsController } from './price-lists.controller';
import { PricesController } from './prices.controller';
import { PromotionsController } from './promotions.controller';
import { QuotesController } from './quotes.controller';

/** Pricing routes; global so product details can show prices from the same cache. */
@Global()
@Module({
  controllers: [PriceListsController, PricesController, PromotionsController, QuotesController, CouponsController],
  providers: [PriceCache],
  exports: [PriceCache],
})
export class PricingModule {}

import { Module } from '@nestjs/common';
import { CouponsModule } from '../coupons/coupons.module';
import { PromotionsModule } from '../promotions/promotions.module';
import { QuotesController } from './quotes.controller';
import { QuoteDataModule } from './quote-data.module';
import { QuotesService } from './quotes.service';

@Module({
  imports: [PromotionsModule, CouponsModule, QuoteDataModule],
  controllers: [QuotesController],
  providers: [QuotesService],
})
export class QuotesModule {}

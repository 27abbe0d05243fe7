import { Module } from '@nestjs/common';
import { PromotionCache } from './promotion-cache';
import { PromotionsController } from './promotions.controller';
import { PromotionsRepository } from './promotions.repository';
import { PromotionsService } from './promotions.service';

@Module({
  controllers: [PromotionsController],
  providers: [PromotionsService, PromotionsRepository, PromotionCache],
  exports: [PromotionCache],
})
export class PromotionsModule {}

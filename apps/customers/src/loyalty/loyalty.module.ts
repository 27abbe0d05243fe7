import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { ExpirySweeper } from './expiry-sweeper';
import { LoyaltyController } from './loyalty.controller';
import { LoyaltyRepository } from './loyalty.repository';
import { LoyaltyService } from './loyalty.service';
import { OrderPointsConsumer } from './order-points.consumer';

@Module({
  imports: [CustomersModule],
  controllers: [LoyaltyController],
  providers: [LoyaltyService, LoyaltyRepository, ExpirySweeper, OrderPointsConsumer],
  exports: [LoyaltyRepository],
})
export class LoyaltyModule {}

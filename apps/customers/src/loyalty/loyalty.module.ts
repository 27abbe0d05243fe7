import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { ExpirySweeper } from './expiry-sweeper';
import { LoyaltyController } from './loyalty.controller';
import { LoyaltyRepository } from './loyalty.repository';
import { LoyaltyService } from './loyalty.service';

@Module({
  imports: [CustomersModule],
  controllers: [LoyaltyController],
  providers: [LoyaltyService, LoyaltyRepository, ExpirySweeper],
  exports: [LoyaltyRepository],
})
export class LoyaltyModule {}

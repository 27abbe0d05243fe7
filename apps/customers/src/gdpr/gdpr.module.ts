import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CompaniesModule } from '../companies/companies.module';
import { CustomersModule } from '../customers/customers.module';
import { LoyaltyModule } from '../loyalty/loyalty.module';
import { GdprController } from './gdpr.controller';
import { GdprService } from './gdpr.service';

@Module({
  imports: [CustomersModule, CompaniesModule, LoyaltyModule, AuthModule],
  controllers: [GdprController],
  providers: [GdprService],
})
export class GdprModule {}

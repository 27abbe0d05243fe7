import { Module } from '@nestjs/common';
import { CompaniesController } from './companies.controller';
import { CustomerAuthController } from './customer-auth.controller';
import { CustomerGroupsController } from './customer-groups.controller';
import { CustomersController } from './customers.controller';
import { LoyaltyController } from './loyalty.controller';
import { MeController } from './me.controller';

/** Routes of the customers service: sign-up and login, self-service under a customer token, and staff routes. */
@Module({
  controllers: [CustomerAuthController, MeController, CustomersController, CompaniesController, CustomerGroupsController, LoyaltyController],
})
export class CustomersModule {}

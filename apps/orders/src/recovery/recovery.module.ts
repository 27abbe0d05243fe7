import { Module } from '@nestjs/common';
import { CheckoutModule } from '../checkout/checkout.module';
import { OrdersModule } from '../orders/orders.module';
import { ReturnsModule } from '../returns/returns.module';
import { Recovery } from './recovery';

@Module({
  imports: [CheckoutModule, OrdersModule, ReturnsModule],
  providers: [Recovery],
})
export class RecoveryModule {}

import { DynamicModule, Module } from '@nestjs/common';
import { ORDERS_STREAM, OrdersEvents } from '@omnibus/contracts';
import { Migration, ServiceKitModule } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { CheckoutModule } from './checkout/checkout.module';
import { OrdersConfig } from './config';
import { OrdersModule } from './orders/orders.module';
import { RecoveryModule } from './recovery/recovery.module';
import { ReturnsModule } from './returns/returns.module';
import { ServicesModule } from './services';

@Module({})
export class AppModule {
  static forRoot(config: OrdersConfig, logger: Logger, migrations: Migration[]): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot({
          service: 'orders',
          config,
          logger,
          migrations,
          streams: [{ name: ORDERS_STREAM, subjects: Object.values(OrdersEvents) }],
        }),
        ServicesModule,
        OrdersModule,
        CheckoutModule,
        ReturnsModule,
        RecoveryModule,
      ],
    };
  }
}

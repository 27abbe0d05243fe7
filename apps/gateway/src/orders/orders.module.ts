import { Module } from '@nestjs/common';
import { MyOrdersController, OrdersController } from './orders.controller';
import { ReturnsController } from './returns.controller';

@Module({ controllers: [OrdersController, MyOrdersController, ReturnsController] })
export class OrdersModule {}

import { Module } from '@nestjs/common';
import { ProductCache } from './product-cache';
import { ProductsController } from './products.controller';

@Module({
  controllers: [ProductsController],
  providers: [ProductCache],
})
export class ProductsModule {}

import { Module } from '@nestjs/common';
import { ProductCache } from './product-cache';
import { ProductDetails } from './product-details';
import { ProductsController } from './products.controller';

@Module({
  controllers: [ProductsController],
  providers: [ProductCache, ProductDetails],
})
export class ProductsModule {}

import { Module } from '@nestjs/common';
import { CatalogProductsConsumer } from './catalog-products.consumer';
import { CatalogProductsRepository } from './catalog-products.repository';
import { CatalogProductsService } from './catalog-products.service';

@Module({
  providers: [CatalogProductsRepository, CatalogProductsService, CatalogProductsConsumer],
})
export class CatalogModule {}

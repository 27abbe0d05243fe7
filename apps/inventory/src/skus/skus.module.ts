import { Global, Module } from '@nestjs/common';
import { CatalogProductsConsumer } from './catalog-products.consumer';
import { SkusRepository } from './skus.repository';

/** The SKUs the catalog knows; other features check input against them. */
@Global()
@Module({
  providers: [SkusRepository, CatalogProductsConsumer],
  exports: [SkusRepository],
})
export class SkusModule {}

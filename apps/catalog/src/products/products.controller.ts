import { MessagePattern, Payload } from '@nestjs/microservices';
import { ArchiveProductRequest, BulkUpsertProductsRequest, CatalogSubjects, CreateProductRequest, GetProductRequest, ListProductsRequest, UpdateProductRequest } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { ProductsBulkService } from './products-bulk.service';
import { ProductsService } from './products.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class ProductsController {
  constructor(
    private readonly products: ProductsService,
    private readonly bulk: ProductsBulkService,
  ) {}

  @MessagePattern(CatalogSubjects.createProduct)
  create(@Payload() req: CreateProductRequest) {
    return this.products.create(req);
  }

  @MessagePattern(CatalogSubjects.updateProduct)
  update(@Payload() req: UpdateProductRequest) {
    return this.products.update(req);
  }

  @MessagePattern(CatalogSubjects.archiveProduct)
  archive(@Payload() req: ArchiveProductRequest) {
    return this.products.archive(req);
  }

  @MessagePattern(CatalogSubjects.getProduct)
  get(@Payload() req: GetProductRequest) {
    return this.products.get(req);
  }

  @MessagePattern(CatalogSubjects.listProducts)
  list(@Payload() req: ListProductsRequest) {
    return this.products.list(req);
  }

  @MessagePattern(CatalogSubjects.bulkUpsertProducts)
  bulkUpsert(@Payload() req: BulkUpsertProductsRequest) {
    return this.bulk.upsert(req);
  }
}

import { Injectable } from '@nestjs/common';
import type { Product } from '@omnibus/contracts';
import { Transaction } from '@omnibus/service-kit';
import { ProductFacts } from '../promotions/promotion-engine';
import { CatalogProductsRepository } from './catalog-products.repository';

export interface SkuProduct extends ProductFacts {
  productId: string;
  archived: boolean;
}

/** Keeps pricing's copy of product categories and attributes (for promotions) and status, from catalog events. */
@Injectable()
export class CatalogProductsService {
  constructor(private readonly repository: CatalogProductsRepository) {}

  /** Applies a product's new state unless a newer or equal version is stored (events may arrive out of order). */
  async apply(tx: Transaction, product: Product): Promise<'applied' | 'stale'> {
    const stored = await this.repository.versionOf(tx, product.id);
    if (stored !== null && stored >= product.version) return 'stale';
    await this.repository.replace(
      tx,
      { productId: product.id, status: product.status, categories: product.categories ?? [], attributes: product.attributes ?? {}, version: product.version },
      (product.variants ?? []).map((v) => ({ sku: v.sku, attributes: v.attributes ?? {} })),
    );
    return 'applied';
  }
}

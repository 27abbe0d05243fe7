/** Requests the catalog answers (queue group `catalog`). */
export const CatalogSubjects = {
  createProduct: 'catalog.product.create',
  updateProduct: 'catalog.product.update',
  archiveProduct: 'catalog.product.archive',
  getProduct: 'catalog.product.get',
  listProducts: 'catalog.product.list',
  /** Creates or changes up to 500 products by slug; only real changes are written and emit events. */
  bulkUpsertProducts: 'catalog.product.bulk-upsert',
} as const;

/** Durable events the catalog publishes on its JetStream stream. */
export const CatalogEvents = {
  productCreated: 'catalog.product.created',
  productUpdated: 'catalog.product.updated',
  productArchived: 'catalog.product.archived',
} as const;

export const CATALOG_STREAM = 'CATALOG_EVENTS';

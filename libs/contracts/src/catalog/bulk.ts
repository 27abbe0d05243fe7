import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject, IsOptional, Matches, MaxLength } from 'class-validator';
import { IsLocalizedText } from '../validation';
import { LocalizedText, ProductFields, SLUG_PATTERN } from './product';

/** Most products one bulk upsert takes. */
export const MAX_PRODUCTS_PER_BULK = 500;

/**
 * One product of a bulk upsert, matched to a stored product by `slug`. Fields sent replace the stored
 * ones; fields left out keep their stored value (or the create default). `name` is required to create.
 */
export class BulkProductItem extends ProductFields {
  @Matches(SLUG_PATTERN, { message: 'slug must be lower-case letters and digits separated by single dashes' })
  @MaxLength(120)
  slug!: string;

  @IsOptional()
  @IsLocalizedText(200)
  name?: LocalizedText;
}

/**
 * Items are checked one by one against `BulkProductItem` by the catalog, so one bad item is rejected
 * with its index and reasons while the others are written.
 */
export class BulkUpsertProductsRequest {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PRODUCTS_PER_BULK)
  @IsObject({ each: true, message: 'each item must be an object (a product)' })
  items!: Record<string, unknown>[];
}

export const BULK_OUTCOMES = ['created', 'changed', 'unchanged', 'rejected'] as const;
export type BulkOutcome = (typeof BULK_OUTCOMES)[number];

export class BulkItemProblem {
  /** Dotted path within the item, e.g. `variants.0.sku`. */
  field!: string;
  problem!: string;
}

export class BulkItemOutcome {
  /** Position of the item in the request. */
  index!: number;
  slug!: string | null;
  outcome!: BulkOutcome;
  /** The product's id and version after the upsert (absent when rejected). */
  id?: string;
  version?: number;
  /** Why it was rejected. */
  problems?: BulkItemProblem[];
}

export class BulkUpsertProductsReply {
  items!: BulkItemOutcome[];
  created!: number;
  changed!: number;
  unchanged!: number;
  rejected!: number;
}

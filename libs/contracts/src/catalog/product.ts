import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsAttributes, IsLocalizedText } from '../validation';

export const PRODUCT_STATUSES = ['draft', 'active', 'archived'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];
export const MEDIA_KINDS = ['image', 'video'] as const;

export type LocalizedText = Record<string, string>;
export type AttributeValue = string | number | boolean | string[] | { value: number; unit: string };
export type Attributes = Record<string, AttributeValue>;

/** Lower-case slug: letters, digits and single dashes. */
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** A SKU: letters, digits, `-`, `_`, `.`; 1 to 64 characters. */
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A channel or category id: lower-case letters, digits and dashes, e.g. `web`, `pos-berlin-1`. */
export const CODE_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export class MediaInput {
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2048)
  url!: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  alt?: string;

  @IsIn(MEDIA_KINDS)
  kind!: (typeof MEDIA_KINDS)[number];
}

export class VariantInput {
  @Matches(SKU_PATTERN, { message: 'sku must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit' })
  sku!: string;

  @IsOptional()
  @IsAttributes()
  attributes?: Attributes;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => MediaInput)
  media?: MediaInput[];
}

/** Optional fields of create and update; on update a field that is sent replaces the stored value. */
export class ProductFields {
  @IsOptional()
  @IsLocalizedText(10_000, false)
  description?: LocalizedText;

  @IsOptional()
  @IsIn(['draft', 'active'], { message: 'status must be one of: draft, active (archive with the archive call)' })
  status?: 'draft' | 'active';

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @Matches(CODE_PATTERN, { each: true, message: 'each category must be lower-case letters, digits and dashes' })
  categories?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @Matches(CODE_PATTERN, { each: true, message: 'each channel must be lower-case letters, digits and dashes' })
  channels?: string[];

  @IsOptional()
  @IsAttributes()
  attributes?: Attributes;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => MediaInput)
  media?: MediaInput[];

  /** On update, replaces the whole list; variants keep their id while their SKU stays. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => VariantInput)
  variants?: VariantInput[];
}

const SLUG_MESSAGE = { message: 'slug must be lower-case letters and digits separated by single dashes' };

export class CreateProductRequest extends ProductFields {
  @Matches(SLUG_PATTERN, SLUG_MESSAGE)
  @MaxLength(120)
  slug!: string;

  @IsLocalizedText(200)
  name!: LocalizedText;
}

/** A partial update: present fields replace the stored ones. */
export class ProductChanges extends ProductFields {
  @IsOptional()
  @Matches(SLUG_PATTERN, SLUG_MESSAGE)
  @MaxLength(120)
  slug?: string;

  @IsOptional()
  @IsLocalizedText(200)
  name?: LocalizedText;
}

export class UpdateProductRequest {
  @Matches(/^prd_[0-9a-z]{22}$/, { message: 'id must be a product id (prd_…)' })
  id!: string;

  /** The version the caller last read; a stale one is refused with VERSION_CONFLICT. */
  @IsInt()
  @Min(1)
  expectedVersion!: number;

  @ValidateNested()
  @Type(() => ProductChanges)
  changes!: ProductChanges;
}

export class ArchiveProductRequest {
  @Matches(/^prd_[0-9a-z]{22}$/, { message: 'id must be a product id (prd_…)' })
  id!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

/** Look a product up by exactly one of id, slug or variant SKU. */
export class GetProductRequest {
  @IsOptional()
  @IsString()
  @MaxLength(64)
  id?: string;

  @IsOptional()
  @IsString()
  @MaxLength(120)
  slug?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  sku?: string;
}

export class ListProductsRequest {
  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'category must be lower-case letters, digits and dashes' })
  category?: string;

  @IsOptional()
  @IsIn(PRODUCT_STATUSES)
  status?: ProductStatus;

  @IsOptional()
  @Matches(CODE_PATTERN, { message: 'channel must be lower-case letters, digits and dashes' })
  channel?: string;

  /** Case-insensitive text searched in the product name, in every locale. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  @IsOptional()
  @Type(() => Number) // arrives as text in a query string
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  /** The `nextCursor` of the previous page. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

/** Media of a product or variant, as the catalog returns it. */
export class Media {
  url!: string;
  alt?: string;
  kind!: 'image' | 'video';
}

export class Variant {
  /** `var_…` */
  id!: string;
  sku!: string;
  attributes!: Attributes;
  media!: Media[];
}

/** A product as the catalog returns it and as its events carry it. */
export class Product {
  /** `prd_…` */
  id!: string;
  slug!: string;
  /** Locale → text, e.g. `{"en": "Linen shirt", "de": "Leinenhemd"}` */
  name!: LocalizedText;
  description!: LocalizedText;
  status!: ProductStatus;
  categories!: string[];
  /** The sales channels the product is sold in. */
  channels!: string[];
  attributes!: Attributes;
  media!: Media[];
  variants!: Variant[];
  /** Increases on every change; the ETag of the product. */
  version!: number;
  createdAt!: string;
  updatedAt!: string;
}

export class ProductPage {
  items!: Product[];
  /** Pass as `cursor` to read the next page; null on the last page. */
  nextCursor!: string | null;
}

/** `data` of `catalog.product.created|updated|archived` (version 1): the product's new state. */
export interface ProductChangedEventData {
  product: Product;
}

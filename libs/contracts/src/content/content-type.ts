import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { CODE_PATTERN } from '../catalog/product';

/** The kinds of value a content field holds; `list` holds items of one other kind (`of`). */
export const CONTENT_FIELD_KINDS = ['text', 'richText', 'image', 'productRef', 'categoryRef', 'list'] as const;
export type ContentFieldKind = (typeof CONTENT_FIELD_KINDS)[number];
export const CONTENT_LIST_ITEM_KINDS = ['text', 'richText', 'image', 'productRef', 'categoryRef'] as const;
export type ContentListItemKind = (typeof CONTENT_LIST_ITEM_KINDS)[number];

/** A field name: a letter, then letters, digits or `_` (max 64). */
export const CONTENT_FIELD_NAME_PATTERN = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;
/** A locale like `en` or `de-AT`. */
export const CONTENT_LOCALE_PATTERN = /^[a-z]{2}(-[A-Z]{2})?$/;
const LOCALE_MESSAGE = { message: 'defaultLocale must be a locale like "en" or "de-AT"' };

/** One typed field of a content type. */
export class ContentFieldDefinition {
  @Matches(CONTENT_FIELD_NAME_PATTERN, { message: 'name must be a letter, then letters, digits or _ (max 64)' })
  name!: string;

  @IsIn(CONTENT_FIELD_KINDS)
  kind!: ContentFieldKind;

  /** Entries must have a value (a localized field: in the entry's default locale). Default false. */
  @IsOptional()
  @IsBoolean()
  required?: boolean;

  /** The value is an object of locale → value. Default false. */
  @IsOptional()
  @IsBoolean()
  localized?: boolean;

  /** Longest text, for `text` and lists of `text` (default 10000). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  maxLength?: number;

  /** The kind of each item of a `list` (required for lists, refused otherwise). */
  @IsOptional()
  @IsIn(CONTENT_LIST_ITEM_KINDS)
  of?: ContentListItemKind;

  /** Most items of a `list` (default 100). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(500)
  maxItems?: number;
}

export class CreateContentTypeRequest {
  @Matches(CODE_PATTERN, { message: 'code must be lower-case letters, digits and dashes' })
  code!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  /** The default locale of new entries of this type (else the service's DEFAULT_LOCALE). */
  @IsOptional()
  @Matches(CONTENT_LOCALE_PATTERN, LOCALE_MESSAGE)
  defaultLocale?: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => ContentFieldDefinition)
  fields!: ContentFieldDefinition[];
}

/** A change of a type: present members replace the stored ones (`fields` as a whole list). */
export class ContentTypeChanges {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @IsOptional()
  @Matches(CONTENT_LOCALE_PATTERN, LOCALE_MESSAGE)
  defaultLocale?: string;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => ContentFieldDefinition)
  fields?: ContentFieldDefinition[];
}

export class UpdateContentTypeRequest {
  @Matches(CODE_PATTERN, { message: 'code must be lower-case letters, digits and dashes' })
  code!: string;

  /** The version the caller last read; a stale one is refused with VERSION_CONFLICT. */
  @IsInt()
  @Min(1)
  expectedVersion!: number;

  @ValidateNested()
  @Type(() => ContentTypeChanges)
  changes!: ContentTypeChanges;
}

export class GetContentTypeRequest {
  @IsString()
  @MaxLength(64)
  code!: string;
}

export class ListContentTypesRequest {}

/** A field of a content type as the service returns it (defaults filled in). */
export class ContentField {
  name!: string;
  kind!: ContentFieldKind;
  required!: boolean;
  localized!: boolean;
  maxLength?: number;
  of?: ContentListItemKind;
  maxItems?: number;
}

export class ContentType {
  code!: string;
  name!: string;
  /** Default locale of new entries; null = the service's DEFAULT_LOCALE. */
  defaultLocale!: string | null;
  fields!: ContentField[];
  /** Increases on every change; the ETag of the type. */
  version!: number;
  createdAt!: string;
  updatedAt!: string;
}

export class ContentTypeList {
  items!: ContentType[];
}

import { CODE_PATTERN, CONTENT_LOCALE_PATTERN, ChannelVariants, ContentField, ContentFieldValues, FieldProblem, SKU_PATTERN } from '@omnibus/contracts';
import { richTextProblems } from './rich-text';

export const DEFAULT_MAX_LENGTH = 10_000;
export const DEFAULT_MAX_ITEMS = 100;
const MAX_LOCALES = 50;
const MAX_VARIANTS = 50;
const MAX_ALT_LENGTH = 500;
const MAX_URL_LENGTH = 2048;
/** Largest draft (fields and variants) as JSON. */
export const MAX_DRAFT_BYTES = 512 * 1024;
/** Enough to show an editor what to fix without flooding the response. */
const MAX_PROBLEMS = 50;

/** The draft of an entry, as validated and stored. */
export interface DraftContent {
  fields: ContentFieldValues;
  variants: ChannelVariants;
  channels: string[];
  defaultLocale: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Drops `null` values (and `null` translations): null means "no value", so it is never stored. */
export function withoutNulls(values: unknown): unknown {
  if (!isObject(values)) return values;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === null) continue;
    out[name] = value;
  }
  return out;
}

function withoutNullTranslations(value: unknown): unknown {
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
}

function urlProblem(url: unknown): string | null {
  if (typeof url !== 'string' || url.length === 0) return 'must be a URL';
  if (url.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http or https URL';
  } catch {
    return 'must be an absolute http or https URL';
  }
  return null;
}

/** Problems of one value of one kind (not localized: `at` is where the value is). */
function valueProblems(def: ContentField, kind: ContentField['kind'], value: unknown, at: string, required: boolean, out: FieldProblem[]): void {
  const unknownKeys = (obj: Record<string, unknown>, allowed: string[]) => {
    for (const key of Object.keys(obj)) if (!allowed.includes(key)) out.push({ field: `${at}.${key}`, problem: `is not allowed in a ${kind} value` });
  };
  switch (kind) {
    case 'text': {
      if (typeof value !== 'string') return void out.push({ field: at, problem: 'must be a string' });
      const max = def.maxLength ?? DEFAULT_MAX_LENGTH;
      if (value.length > max) out.push({ field: at, problem: `must be at most ${max} characters` });
      if (required && value.trim() === '') out.push({ field: at, problem: 'must not be empty' });
      return;
    }
    case 'richText':
      out.push(...richTextProblems(value, at));
      return;
    case 'image': {
      if (!isObject(value)) return void out.push({ field: at, problem: 'must be an image {"url": "https://…", "alt": "…"}' });
      const problem = urlProblem(value['url']);
      if (problem) out.push({ field: `${at}.url`, problem });
      const alt = value['alt'];
      if (alt !== undefined && (typeof alt !== 'string' || alt.length > MAX_ALT_LENGTH)) out.push({ field: `${at}.alt`, problem: `must be a string of at most ${MAX_ALT_LENGTH} characters` });
      unknownKeys(value, ['url', 'alt']);
      return;
    }
    case 'productRef': {
      if (!isObject(value)) return void out.push({ field: at, problem: 'must be a product reference {"sku": "…"}' });
      if (typeof value['sku'] !== 'string' || !SKU_PATTERN.test(value['sku'])) out.push({ field: `${at}.sku`, problem: 'must be a SKU: 1-64 letters, digits, ".", "_" or "-"' });
      unknownKeys(value, ['sku']);
      return;
    }
    case 'categoryRef': {
      if (!isObject(value)) return void out.push({ field: at, problem: 'must be a category reference {"code": "…"}' });
      if (typeof value['code'] !== 'string' || !CODE_PATTERN.test(value['code'])) out.push({ field: `${at}.code`, problem: 'must be a category code: lower-case letters, digits and dashes' });
      unknownKeys(value, ['code']);
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) return void out.push({ field: at, problem: `must be a list of ${def.of}` });
      const max = def.maxItems ?? DEFAULT_MAX_ITEMS;
      if (value.length > max) return void out.push({ field: at, problem: `must have at most ${max} items` });
      if (required && value.length === 0) out.push({ field: at, problem: 'must have at least one item' });
      value.forEach((item, i) => valueProblems(def, def.of ?? 'text', item, `${at}.${i}`, false, out));
      return;
    }
  }
}

/**
 * Problems of field values against a type's fields, at paths below `path` (`fields.title.de`).
 * `partial` (channel variants): only the fields present are checked, none is required.
 */
export function fieldValuesProblems(values: unknown, defs: ContentField[], options: { path: string; typeCode: string; defaultLocale: string; partial: boolean }): FieldProblem[] {
  const { path, partial } = options;
  if (!isObject(values)) return [{ field: path, problem: 'must be an object of field name → value' }];
  const out: FieldProblem[] = [];
  const byName = new Map(defs.map((d) => [d.name, d]));
  for (const name of Object.keys(values)) {
    if (!byName.has(name)) out.push({ field: `${path}.${name}`, problem: `is not a field of the type "${options.typeCode}"` });
  }
  for (const def of defs) {
    const at = `${path}.${def.name}`;
    const value = values[def.name];
    const required = def.required && !partial;
    if (value === undefined || value === null) {
      if (required) out.push({ field: def.localized ? `${at}.${options.defaultLocale}` : at, problem: def.localized ? 'is required (in the default locale)' : 'is required' });
      continue;
    }
    if (!def.localized) {
      valueProblems(def, def.kind, value, at, required, out);
      continue;
    }
    if (!isObject(value)) {
      out.push({ field: at, problem: 'must be an object of locale → value, e.g. {"en": …} (the field is localized)' });
      continue;
    }
    const locales = Object.keys(value);
    if (locales.length > MAX_LOCALES) out.push({ field: at, problem: `must have at most ${MAX_LOCALES} locales` });
    for (const locale of locales) {
      if (!CONTENT_LOCALE_PATTERN.test(locale)) {
        out.push({ field: `${at}.${locale.slice(0, 20)}`, problem: 'is not a locale like "en" or "de-AT"' });
        continue;
      }
      valueProblems(def, def.kind, value[locale], `${at}.${locale}`, required && locale === options.defaultLocale, out);
    }
    if (required && value[options.defaultLocale] === undefined) out.push({ field: `${at}.${options.defaultLocale}`, problem: 'is required (in the default locale)' });
  }
  return out.slice(0, MAX_PROBLEMS);
}

/** A draft as received, with `null` values dropped, ready to validate and store. */
export function normalizeDraft(draft: DraftContent): DraftContent {
  const normalizeValues = (values: unknown) => {
    const kept = withoutNulls(values);
    if (!isObject(kept)) return kept as ContentFieldValues;
    return Object.fromEntries(Object.entries(kept).map(([k, v]) => [k, withoutNullTranslations(v)]));
  };
  const variants: ChannelVariants = {};
  if (isObject(draft.variants)) {
    for (const [channel, variant] of Object.entries(draft.variants)) {
      variants[channel] = isObject(variant) && 'fields' in variant ? { ...variant, fields: normalizeValues(variant['fields']) } : (variant as ChannelVariants[string]);
    }
  }
  return { ...draft, fields: normalizeValues(draft.fields), variants: isObject(draft.variants) ? variants : draft.variants };
}

/** Every problem of a draft against its type's fields: fields, channel variants, size. */
export function draftProblems(draft: DraftContent, type: { code: string; fields: ContentField[] }): FieldProblem[] {
  const out = fieldValuesProblems(draft.fields, type.fields, { path: 'fields', typeCode: type.code, defaultLocale: draft.defaultLocale, partial: false });
  if (!isObject(draft.variants)) {
    out.push({ field: 'variants', problem: 'must be an object of channel → {"fields": {…}}' });
  } else {
    const channels = Object.keys(draft.variants);
    if (channels.length > MAX_VARIANTS) out.push({ field: 'variants', problem: `must have at most ${MAX_VARIANTS} channels` });
    for (const channel of channels) {
      const at = `variants.${channel.slice(0, 64)}`;
      const variant = draft.variants[channel];
      if (!CODE_PATTERN.test(channel)) {
        out.push({ field: at, problem: 'is not a channel code (lower-case letters, digits and dashes)' });
        continue;
      }
      if (draft.channels.length > 0 && !draft.channels.includes(channel)) out.push({ field: at, problem: `is a variant for a channel the entry is not shown in (channels: ${draft.channels.join(', ')})` });
      if (!isObject(variant) || !isObject(variant['fields'])) {
        out.push({ field: at, problem: 'must be {"fields": {…}}' });
        continue;
      }
      for (const key of Object.keys(variant)) if (key !== 'fields') out.push({ field: `${at}.${key}`, problem: 'is not allowed in a variant (only "fields")' });
      out.push(...fieldValuesProblems(variant['fields'], type.fields, { path: `${at}.fields`, typeCode: type.code, defaultLocale: draft.defaultLocale, partial: true }));
    }
  }
  if (out.length === 0 && JSON.stringify({ f: draft.fields, v: draft.variants }).length > MAX_DRAFT_BYTES) out.push({ field: 'fields', problem: `with variants must be at most ${MAX_DRAFT_BYTES / 1024} KB of JSON` });
  return out.slice(0, MAX_PROBLEMS);
}

import { ChannelVariants, ContentField, ContentFieldValues, ResolvedProductRef } from '@omnibus/contracts';

/** What a channel may be shown of one entry version (published, or a draft for previews). */
export interface RenderSource {
  fields: ContentFieldValues;
  variants: ChannelVariants;
  channels: string[];
  defaultLocale: string;
}

export interface Rendered {
  fields: Record<string, unknown>;
  fieldLocales: Record<string, string | null>;
  variant: string | null;
  locale: string;
}

/**
 * The locales tried for a localized field, in order: the one asked for, its language, the entry's
 * default locale, the default's language (`de-AT` → `de` → `en-GB` → `en`), without repeats.
 */
export function localeChain(requested: string | undefined, defaultLocale: string): string[] {
  const chain: string[] = [];
  const add = (locale: string | undefined) => {
    if (locale && !chain.includes(locale)) chain.push(locale);
  };
  if (requested) {
    add(requested);
    add(requested.split('-')[0]);
  }
  add(defaultLocale);
  add(defaultLocale.split('-')[0]);
  return chain;
}

/** An entry restricted to some channels is shown only there; no channel (admin) sees it always. */
export function shownIn(source: RenderSource, channel: string | undefined): boolean {
  return channel === undefined || source.channels.length === 0 || source.channels.includes(channel);
}

/**
 * The entry as `channel` sees it in `locale`: the channel's variant replaces the default value of
 * each field it has (a whole field, all its locales), then each localized field is reduced to the
 * first locale of the fallback chain that has a value. Every field of the type is present (null
 * when it has no value); fields the type no longer has are left out.
 */
export function render(source: RenderSource, defs: ContentField[], options: { channel?: string; locale?: string }): Rendered {
  const variant = options.channel !== undefined && Object.hasOwn(source.variants, options.channel) ? options.channel : null;
  const overrides = variant ? source.variants[variant].fields : {};
  const chain = localeChain(options.locale, source.defaultLocale);
  const fields: Record<string, unknown> = {};
  const fieldLocales: Record<string, string | null> = {};
  for (const def of defs) {
    const value = Object.hasOwn(overrides, def.name) ? overrides[def.name] : source.fields[def.name];
    if (!def.localized) {
      fields[def.name] = value ?? null;
      continue;
    }
    const translations = (value ?? {}) as Record<string, unknown>;
    const locale = chain.find((l) => Object.hasOwn(translations, l) && translations[l] !== undefined && translations[l] !== null) ?? null;
    fields[def.name] = locale ? translations[locale] : null;
    fieldLocales[def.name] = locale;
  }
  return { fields, fieldLocales, variant, locale: options.locale ?? source.defaultLocale };
}

/** The SKUs of every product reference in rendered fields, each once. */
export function referencedSkus(fields: Record<string, unknown>, defs: ContentField[]): string[] {
  const skus = new Set<string>();
  for (const def of defs) {
    const value = fields[def.name];
    if (def.kind === 'productRef' && value) skus.add((value as { sku: string }).sku);
    if (def.kind === 'list' && def.of === 'productRef' && Array.isArray(value)) for (const item of value) skus.add((item as { sku: string }).sku);
  }
  return [...skus];
}

/** Rendered fields with each product reference replaced by its resolution. */
export function withResolvedProducts(fields: Record<string, unknown>, defs: ContentField[], resolved: Map<string, ResolvedProductRef>): Record<string, unknown> {
  const out = { ...fields };
  const resolve = (ref: unknown) => resolved.get((ref as { sku: string }).sku) ?? ref;
  for (const def of defs) {
    const value = out[def.name];
    if (def.kind === 'productRef' && value) out[def.name] = resolve(value);
    if (def.kind === 'list' && def.of === 'productRef' && Array.isArray(value)) out[def.name] = value.map(resolve);
  }
  return out;
}

import { createHash } from 'node:crypto';
import type { AssortmentRule, ChannelView, ChannelViewVariant, FeedAspect, PriceScopeRule, Product, StockScopeRule } from '@omnibus/contracts';

/** What a channel's view depends on from the channel itself. */
export interface ChannelRules {
  code: string;
  assortment: AssortmentRule;
  priceScope: PriceScopeRule | null;
  stockScope: StockScopeRule;
  locales: string[];
}

/** The service's copy of a price (from `pricing.price.changed`). */
export interface PriceCopy {
  sku: string;
  priceId: string;
  priceListId: string;
  currency: string;
  channel: string | null;
  customerGroup: string | null;
  country: string | null;
  minQuantity: number;
  amount: number;
  validFrom: Date | null;
  validUntil: Date | null;
}

export interface PriceListCopy {
  id: string;
  priority: number;
  status: string;
}

export interface LocationCopy {
  id: string;
  code: string;
  channels: string[];
  active: boolean;
}

export interface StockCopy {
  sku: string;
  locationId: string;
  available: number;
}

/** Everything a product's view in any channel is computed from. */
export interface ViewSources {
  prices: Map<string, PriceCopy[]>;
  priceLists: Map<string, PriceListCopy>;
  locations: LocationCopy[];
  stock: Map<string, StockCopy[]>;
  at: Date;
}

/** True when the channel sells the product: active, in its catalog channel, categories and attribute values. */
export function inAssortment(rules: ChannelRules, product: Product): boolean {
  if (product.status !== 'active') return false;
  const catalogChannel = rules.assortment.catalogChannel ?? rules.code;
  if (!product.channels.includes(catalogChannel)) return false;
  const categories = rules.assortment.categories ?? [];
  if (categories.length && !categories.some((c) => product.categories.includes(c))) return false;
  for (const [name, wanted] of Object.entries(rules.assortment.attributes ?? {})) {
    const actual = product.attributes[name];
    const matches = Array.isArray(actual) ? actual.includes(wanted as string) : actual === wanted;
    if (!matches) return false;
  }
  return true;
}

/** Pricing's order of candidates, best first: scope specificity, list priority, tier, lower amount, id. */
function specificity(p: PriceCopy): number {
  return (p.customerGroup !== null ? 4 : 0) + (p.channel !== null ? 2 : 0) + (p.country !== null ? 1 : 0);
}

/**
 * The unit price the channel resolves for one unit at `at`, mirroring pricing's resolution: among the
 * SKU's prices in the channel's currency, of active lists, whose scope matches (a scope value left out
 * matches anyone), valid at `at` and of the first tier, the most specific, then the list of highest
 * priority, then the lowest amount. Lists not seen yet count as active with priority 0.
 */
export function resolvePrice(candidates: PriceCopy[] | undefined, lists: Map<string, PriceListCopy>, scope: PriceScopeRule, channelCode: string, at: Date): number | null {
  const channel = scope.channel ?? channelCode;
  const time = at.getTime();
  let best: { price: PriceCopy; priority: number } | null = null;
  for (const p of candidates ?? []) {
    if (p.currency !== scope.currency || p.minQuantity > 1) continue;
    const list = lists.get(p.priceListId);
    if (list && list.status !== 'active') continue;
    if (p.channel !== null && p.channel !== channel) continue;
    if (p.customerGroup !== null && p.customerGroup !== (scope.customerGroup ?? null)) continue;
    if (p.country !== null && p.country !== (scope.country ?? null)) continue;
    if (p.validFrom && p.validFrom.getTime() > time) continue;
    if (p.validUntil && p.validUntil.getTime() <= time) continue;
    const priority = list?.priority ?? 0;
    if (!best) {
      best = { price: p, priority };
      continue;
    }
    const order =
      specificity(p) - specificity(best.price) ||
      priority - best.priority ||
      p.minQuantity - best.price.minQuantity ||
      best.price.amount - p.amount ||
      (p.priceId < best.price.priceId ? 1 : -1);
    if (order > 0) best = { price: p, priority };
  }
  return best ? best.price.amount : null;
}

/** Ids of the locations whose stock the channel shows: its listed location codes, else those inventory assigns to it; active ones only. */
export function supplyingLocations(rules: ChannelRules, locations: LocationCopy[]): Set<string> {
  const listed = rules.stockScope.locations;
  return new Set(locations.filter((l) => l.active && (listed ? listed.includes(l.code) : l.channels.includes(rules.code))).map((l) => l.id));
}

function pickLocales(text: Record<string, string>, locales: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const locale of locales) if (text[locale] !== undefined) out[locale] = text[locale];
  return out;
}

/** The product as the channel sells it, or null when the channel does not sell it. */
export function computeView(rules: ChannelRules, product: Product | undefined, sources: ViewSources): ChannelView | null {
  if (!product || !inAssortment(rules, product)) return null;
  const supplying = supplyingLocations(rules, sources.locations);
  const variants: Record<string, ChannelViewVariant> = {};
  product.variants.forEach((v, position) => {
    const variant: ChannelViewVariant = { position, attributes: v.attributes, media: v.media };
    if (rules.priceScope) {
      const amount = resolvePrice(sources.prices.get(v.sku), sources.priceLists, rules.priceScope, rules.code, sources.at);
      if (amount !== null) variant.price = { amount, currency: rules.priceScope.currency };
    }
    variant.available = (sources.stock.get(v.sku) ?? []).filter((s) => supplying.has(s.locationId)).reduce((sum, s) => sum + Math.max(0, s.available), 0);
    variants[v.sku] = variant;
  });
  return {
    slug: product.slug,
    name: pickLocales(product.name, rules.locales),
    description: pickLocales(product.description, rules.locales),
    categories: product.categories,
    attributes: product.attributes,
    media: product.media,
    variants,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON with object keys sorted and undefined left out: equal values give equal text whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function viewHash(view: ChannelView): string {
  return createHash('sha256').update(canonicalJson(view)).digest('base64url').slice(0, 32);
}

/**
 * The JSON merge patch (RFC 7396) that turns `before` into `after`: only what changed, `null` for
 * what went away; objects are diffed key by key, arrays and scalars replaced whole. Undefined when
 * nothing changed.
 */
export function mergePatch(before: unknown, after: unknown): unknown {
  if (isPlainObject(before) && isPlainObject(after)) {
    const patch: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(after)) {
      if (value === undefined) continue;
      const sub = key in before && before[key] !== undefined ? mergePatch(before[key], value) : value;
      if (sub !== undefined) patch[key] = sub;
    }
    for (const key of Object.keys(before)) if (before[key] !== undefined && (!(key in after) || after[key] === undefined)) patch[key] = null;
    return Object.keys(patch).length ? patch : undefined;
  }
  return canonicalJson(before) === canonicalJson(after) ? undefined : after;
}

/** Applies a merge patch (RFC 7396); the feed's consumers do the same to rebuild a view. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

/** Which parts of the view a patch touches: variant prices, variant stock, or anything else (product data). */
export function aspectsOf(patch: Record<string, unknown>): FeedAspect[] {
  const found = new Set<FeedAspect>();
  for (const [key, value] of Object.entries(patch)) {
    if (key !== 'variants' || !isPlainObject(value)) {
      found.add('product');
      continue;
    }
    for (const variant of Object.values(value)) {
      if (!isPlainObject(variant)) {
        found.add('product'); // a variant that went away
        continue;
      }
      for (const field of Object.keys(variant)) found.add(field === 'price' ? 'price' : field === 'available' ? 'stock' : 'product');
    }
  }
  return (['product', 'price', 'stock'] as const).filter((a) => found.has(a));
}

/** Paths of the leaves of a patch (`["name", "en"]`, `["variants", "SKU-1", "price"]`), for drift reports. */
export function patchPaths(patch: unknown, prefix: string[] = []): string[][] {
  if (!isPlainObject(patch)) return [prefix];
  const paths: string[][] = [];
  for (const [key, value] of Object.entries(patch)) {
    const path = [...prefix, key];
    // Stop at a variant's price (amount and currency belong together) and at empty objects.
    if (isPlainObject(value) && key !== 'price' && Object.keys(value).length) paths.push(...patchPaths(value, path));
    else paths.push(path);
  }
  return paths;
}

/** The value at a path of a view (for drift reports). */
export function valueAt(view: unknown, path: string[]): unknown {
  let current: unknown = view;
  for (const key of path) {
    if (!isPlainObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

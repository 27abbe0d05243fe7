import { Inject, Injectable } from '@nestjs/common';
import { Product, ResolvedPrice, SkuAvailability } from '@omnibus/contracts';
import { Principal } from '../auth/api-keys';
import { GatewayConfig } from '../config';
import { AvailabilityCache, forPrincipal, productAvailability } from '../inventory/availability-cache';
import { PriceCache, PriceScope, priceBlock } from '../pricing/price-cache';
import { priceScopeFor } from '../pricing/price-scope';
import { GATEWAY_CONFIG } from '../tokens';

/** What one caller is shown of a product detail: callers with the same view get the same bytes. */
interface View {
  key: string;
  principal: Principal;
  /** The channel whose locations count (null: every active location, for admin keys). */
  availabilityChannel: string | null;
  withLocations: boolean;
  priceScope: PriceScope;
}

interface Rendered {
  /** The product object it was built from: a new version, or the same one fetched again, is a new object. */
  product: Product;
  skus: string[];
  priceStamp: number;
  availabilityStamp: number;
  /** When the first price or availability it shows would have expired from its cache. */
  expiresAt: number;
  body: Buffer;
}

/** Who sees what, from the key, the customer token and the query (`locations`, `currency`, `channel`, `customerGroup`). */
function viewOf(principal: Principal, query: Record<string, unknown> | undefined, staffChannels: string[]): View {
  const priceScope = priceScopeFor(principal, query, staffChannels);
  const admin = principal.role === 'admin';
  const availabilityChannel = admin ? null : (principal.channel ?? null);
  const withLocations = admin || query?.['locations'] === 'true';
  const key = `${principal.role}\u0000${availabilityChannel ?? ''}\u0000${withLocations ? 1 : 0}\u0000${priceScope.currency}\u0000${priceScope.channel ?? ''}\u0000${priceScope.customerGroup ?? ''}`;
  return { key, principal, availabilityChannel, withLocations, priceScope };
}

/**
 * Product details as JSON bytes, the hottest read of every channel. A detail is the product with its
 * `availability` and `price` blocks for the caller's view; it is built (and serialized) once per
 * product and view, and served as is until the product object, a price or a stock figure of one of its
 * SKUs changes (the caches' stamps) or one of them expires. So a cached read costs a few map look-ups,
 * not the blocks, the copies and the JSON of a 1.5 KB object; every event still shows in the next read.
 */
@Injectable()
export class ProductDetails {
  private readonly rendered = new Map<string, Rendered>();

  constructor(
    private readonly prices: PriceCache,
    private readonly availability: AvailabilityCache,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** The detail of a product the caller may see; 400/403 for a bad or forbidden query. */
  render(product: Product, principal: Principal, query: Record<string, unknown> | undefined): Buffer | Promise<Buffer> {
    const view = viewOf(principal, query, this.config.STAFF_CHANNELS);
    const key = `${product.id}\u0000${view.key}`;
    const hit = this.rendered.get(key);
    if (
      hit !== undefined &&
      hit.product === product &&
      Date.now() < hit.expiresAt &&
      hit.priceStamp === this.prices.stamp(hit.skus) &&
      hit.availabilityStamp === this.availability.stamp(hit.skus)
    ) {
      return hit.body;
    }
    return this.build(key, product, view);
  }

  get size(): number {
    return this.rendered.size;
  }

  private async build(key: string, product: Product, view: View): Promise<Buffer> {
    const skus = product.variants.map((v) => v.sku);
    // Taken before reading: a change while this detail is being built makes it stale at once.
    const priceStamp = this.prices.stamp(skus);
    const availabilityStamp = this.availability.stamp(skus);
    // Blocks from other services are fetched side by side, so the slowest one sets the latency.
    const [items, prices] = await Promise.all([skus.length ? this.availability.get(skus, view.availabilityChannel) : [], skus.length ? this.prices.get(skus, view.priceScope) : []]);
    const availability = items && productAvailability(product, view.availabilityChannel, items.map((i) => forPrincipal(i, view.principal)), view.withLocations);
    const price = prices && priceBlock(view.priceScope, prices);
    const body = Buffer.from(JSON.stringify({ ...product, availability, price }));
    // A block that is missing (a service did not answer) is asked for again on the next read.
    const expiresAt = items && prices ? this.expiryOf(skus, view, items, prices) : undefined;
    if (expiresAt !== undefined && this.config.DETAIL_CACHE_SIZE > 0) {
      this.rendered.delete(key);
      this.rendered.set(key, { product, skus, priceStamp, availabilityStamp, expiresAt, body });
      // Map keeps insertion order: the first key is the least recently built.
      if (this.rendered.size > this.config.DETAIL_CACHE_SIZE) this.rendered.delete(this.rendered.keys().next().value as string);
    }
    return body;
  }

  /**
   * When the first of the values shown expires; undefined unless every one is what its cache holds now.
   * A value that was not stored (its SKU changed while it was fetched, or the cache is off) must not be
   * served again.
   */
  private expiryOf(skus: string[], view: View, items: SkuAvailability[], prices: ResolvedPrice[]): number | undefined {
    let expiresAt = Infinity;
    for (let i = 0; i < skus.length; i++) {
      const price = this.prices.cached(skus[i], view.priceScope);
      const stock = this.availability.cached(skus[i], view.availabilityChannel);
      if (!price || !stock || price.value !== prices[i] || stock.value !== items[i]) return undefined;
      expiresAt = Math.min(expiresAt, price.expiresAt, stock.storedAt + this.config.AVAILABILITY_CACHE_TTL_MS);
    }
    return expiresAt;
  }
}

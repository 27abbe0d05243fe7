import { BaseConfig, EnvVar, baseEnv, customerTokenEnv, env } from '@omnibus/service-kit';
import { CODE_PATTERN } from '@omnibus/contracts';
import { ApiKey, DEVELOPMENT_KEYS, parseApiKeys } from './auth/api-keys';

export const gatewayEnv = {
  ...baseEnv,
  ...customerTokenEnv,
  PORT: env.int('HTTP port of the public API', 0, 65535, { default: '3000' }),
  API_KEYS: {
    description: 'API keys as KEY=admin or KEY=channel:CHANNEL, comma separated; unset outside production = the dev-* keys',
    optional: true,
    parse: parseApiKeys,
  } satisfies EnvVar<ApiKey[]>,
  BODY_LIMIT_BYTES: env.int('largest request body accepted', 1024, 50 * 1024 * 1024, { default: String(1024 * 1024) }),
  PRODUCT_CACHE_SIZE: env.int('products kept in the read cache (kept fresh by catalog events); 0 turns it off', 0, 10_000_000, { default: '50000' }),
  PRODUCT_CACHE_TTL_MS: env.int('longest time a cached product is served without asking the catalog', 0, 86_400_000, { default: '300000' }),
  AVAILABILITY_CACHE_SIZE: env.int('(SKU, channel) availabilities kept for product details (kept fresh by inventory events); 0 turns it off', 0, 10_000_000, { default: '100000' }),
  AVAILABILITY_CACHE_TTL_MS: env.int('longest time a cached availability is shown without asking the inventory', 0, 3_600_000, { default: '10000' }),
  AVAILABILITY_TIMEOUT_MS: env.int('how long a product detail waits for the inventory before answering without availability', 50, 120_000, { default: '1000' }),
  PRICE_CACHE_SIZE: env.int('resolved prices (SKU, channel, currency, customer group) kept for product details (kept fresh by pricing events); 0 turns it off', 0, 10_000_000, { default: '200000' }),
  PRICE_CACHE_TTL_MS: env.int('longest time a cached price is shown without asking pricing', 0, 86_400_000, { default: '300000' }),
  PRICE_TIMEOUT_MS: env.int('how long a product detail waits for pricing before answering without a price', 50, 120_000, { default: '1000' }),
  ORDER_TIMEOUT_MS: env.int('how long a checkout may take before the caller gets 503 (it then finishes by itself: retry with the same Idempotency-Key)', 1000, 120_000, { default: '20000' }),
  STAFF_CHANNELS: {
    description: 'channels whose keys staff or integrations use (POS, marketplace, phone), comma separated: they order for a named customer and see and take back orders of every channel; "pos-*" matches every channel starting with "pos-"',
    default: 'pos,pos-*,marketplace,marketplace-*,phone,phone-*',
    parse: parseStaffChannels,
  } satisfies EnvVar<string[]>,
  DETAIL_CACHE_SIZE: env.int('product details kept serialized per (product, caller view), rebuilt when the product, a price or a stock figure changes (about 1.5 KB each); 0 turns it off', 0, 10_000_000, { default: '10000' }),
};

export interface GatewayConfig extends BaseConfig {
  /** Verifies customer tokens; see resolveCustomerTokenSecret. */
  CUSTOMER_TOKEN_SECRET?: string;
  PORT: number;
  API_KEYS?: ApiKey[];
  BODY_LIMIT_BYTES: number;
  PRODUCT_CACHE_SIZE: number;
  PRODUCT_CACHE_TTL_MS: number;
  AVAILABILITY_CACHE_SIZE: number;
  AVAILABILITY_CACHE_TTL_MS: number;
  AVAILABILITY_TIMEOUT_MS: number;
  PRICE_CACHE_SIZE: number;
  PRICE_CACHE_TTL_MS: number;
  PRICE_TIMEOUT_MS: number;
  ORDER_TIMEOUT_MS: number;
  STAFF_CHANNELS: string[];
  DETAIL_CACHE_SIZE: number;
}

function parseStaffChannels(raw: string): string[] {
  const channels = raw.split(',').map((c) => c.trim()).filter(Boolean);
  const bad = channels.find((c) => !CODE_PATTERN.test(c.endsWith('*') ? `${c.slice(0, -1)}x` : c));
  if (bad) throw new Error(`has "${bad.slice(0, 40)}", which is not a channel code (lower-case letters, digits, dashes; "*" only at the end)`);
  return channels;
}

/** The keys in force: configured ones, or the development keys outside production. */
export function apiKeysFor(config: GatewayConfig): ApiKey[] {
  if (config.API_KEYS?.length) {
    if (config.NODE_ENV === 'production') {
      const dev = config.API_KEYS.find((k) => DEVELOPMENT_KEYS.some((d) => d.key === k.key));
      if (dev) throw new Error('API_KEYS contains a development key (dev-…); production refuses them');
    }
    return config.API_KEYS;
  }
  if (config.NODE_ENV === 'production') throw new Error('API_KEYS is required in production (NODE_ENV=production): the development keys are never accepted there');
  return DEVELOPMENT_KEYS;
}

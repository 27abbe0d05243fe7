import { BaseConfig, EnvVar, baseEnv, env } from '@omnibus/service-kit';
import { ApiKey, DEVELOPMENT_KEYS, parseApiKeys } from './auth/api-keys';

export const gatewayEnv = {
  ...baseEnv,
  PORT: env.int('HTTP port of the public API', 0, 65535, { default: '3000' }),
  API_KEYS: {
    description: 'API keys as KEY=admin or KEY=channel:CHANNEL, comma separated; unset outside production = the dev-* keys',
    optional: true,
    parse: parseApiKeys,
  } satisfies EnvVar<ApiKey[]>,
  BODY_LIMIT_BYTES: env.int('largest request body accepted', 1024, 50 * 1024 * 1024, { default: String(1024 * 1024) }),
  PRODUCT_CACHE_SIZE: env.int('products kept in the read cache (kept fresh by catalog events); 0 turns it off', 0, 10_000_000, { default: '50000' }),
  PRODUCT_CACHE_TTL_MS: env.int('longest time a cached product is served without asking the catalog', 0, 86_400_000, { default: '300000' }),
};

export interface GatewayConfig extends BaseConfig {
  PORT: number;
  API_KEYS?: ApiKey[];
  BODY_LIMIT_BYTES: number;
  PRODUCT_CACHE_SIZE: number;
  PRODUCT_CACHE_TTL_MS: number;
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

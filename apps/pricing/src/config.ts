import { ServiceConfig, env, serviceEnv } from '@omnibus/service-kit';

export const pricingEnv = {
  ...serviceEnv,
  PORT: env.int('HTTP port for /health', 0, 65535, { default: '3102' }),
  PROMOTION_RELOAD_MS: env.int('how often active promotions are reloaded into memory even without a pricing.promotion.changed event (a safety net)', 1000, 3_600_000, { default: '30000' }),
  QUOTE_CACHE_SIZE: env.int('SKUs whose prices and product facts quotes keep in memory (kept fresh by pricing and catalog events); 0 turns it off', 0, 10_000_000, { default: '100000' }),
  QUOTE_CACHE_TTL_MS: env.int('longest time a quote uses cached prices or product facts without reading them again', 0, 86_400_000, { default: '60000' }),
};

export interface PricingConfig extends ServiceConfig {
  PROMOTION_RELOAD_MS: number;
  QUOTE_CACHE_SIZE: number;
  QUOTE_CACHE_TTL_MS: number;
}

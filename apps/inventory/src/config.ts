import { ServiceConfig, env, serviceEnv } from '@omnibus/service-kit';

export const inventoryEnv = {
  ...serviceEnv,
  PORT: env.int('HTTP port for /health', 0, 65535, { default: '3103' }),
  RESERVATION_TTL_SECONDS: env.int('seconds a reservation lives when the caller gives no ttlSeconds', 1, 30 * 24 * 3600, { default: '900' }),
  RESERVATION_SWEEP_INTERVAL_MS: env.int('how often each replica releases expired reservations (0 = never, e.g. a replica that only reads)', 0, 3_600_000, { default: '5000' }),
};

export interface InventoryConfig extends ServiceConfig {
  PORT: number;
  RESERVATION_TTL_SECONDS: number;
  RESERVATION_SWEEP_INTERVAL_MS: number;
}

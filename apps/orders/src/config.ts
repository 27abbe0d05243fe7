import { ServiceConfig, env, serviceEnv } from '@omnibus/service-kit';

export const ordersEnv = {
  ...serviceEnv,
  PORT: env.int('HTTP port for /health', 0, 65535, { default: '3104' }),
  ORDER_RESERVATION_TTL_SECONDS: env.int('how long the stock of a confirmed order stays reserved before it is shipped or collected', 60, 30 * 24 * 3600, { default: String(30 * 24 * 3600) }),
  CHECKOUT_LEASE_MS: env.int('how long a checkout, a status change that moves stock, or a return acceptance may go without progress before another replica (or this one after a restart) takes it over', 1000, 600_000, { default: '15000' }),
  CHECKOUT_RECOVERY_INTERVAL_MS: env.int('how often each replica looks for checkouts, status changes and return acceptances to finish or undo (0 = never)', 0, 600_000, { default: '1000' }),
  CHECKOUT_GIVE_UP_MS: env.int('how long a checkout keeps retrying an unreachable service before it is undone', 1000, 86_400_000, { default: '300000' }),
};

export interface OrdersConfig extends ServiceConfig {
  PORT: number;
  ORDER_RESERVATION_TTL_SECONDS: number;
  CHECKOUT_LEASE_MS: number;
  CHECKOUT_RECOVERY_INTERVAL_MS: number;
  CHECKOUT_GIVE_UP_MS: number;
}

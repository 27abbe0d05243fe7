import { ServiceConfig, customerTokenEnv, env, serviceEnv } from '@omnibus/service-kit';

export const customersEnv = {
  ...serviceEnv,
  ...customerTokenEnv,
  PORT: env.int('HTTP port for /health', 0, 65535, { default: '3105' }),
  CUSTOMER_TOKEN_TTL_SECONDS: env.int('lifetime of a customer token issued at login', 60, 30 * 24 * 3600, { default: '3600' }),
  LOGIN_MAX_FAILURES: env.int('failed logins per email within LOGIN_LOCK_SECONDS before the email is locked', 1, 1000, { default: '5' }),
  LOGIN_LOCK_SECONDS: env.int('how long an email stays locked after too many failed logins (also the window failures are counted in)', 1, 86_400, { default: '900' }),
  LOYALTY_POINTS_TTL_DAYS: env.int('days until earned points expire when the earn command gives no expiresAt', 1, 36_500, { default: '365' }),
  LOYALTY_POINTS_PER_UNIT: env.int('loyalty points a completed order earns per whole unit of its currency (0 = none)', 0, 1000, { default: '1' }),
  LOYALTY_EXPIRY_SWEEP_MS: env.int('how often expired points are swept; 0 = only on the expire command', 0, 86_400_000, { default: '3600000' }),
};

export interface CustomersConfig extends ServiceConfig {
  CUSTOMER_TOKEN_SECRET?: string;
  CUSTOMER_TOKEN_TTL_SECONDS: number;
  LOGIN_MAX_FAILURES: number;
  LOGIN_LOCK_SECONDS: number;
  LOYALTY_POINTS_TTL_DAYS: number;
  LOYALTY_EXPIRY_SWEEP_MS: number;
  LOYALTY_POINTS_PER_UNIT: number;
}

/** The token secret in force, resolved once at start (see resolveCustomerTokenSecret). */
export const TOKEN_SECRET = Symbol('TOKEN_SECRET');

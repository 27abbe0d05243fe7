import { ServiceConfig, env, serviceEnv } from '@omnibus/service-kit';

export const channelsEnv = {
  ...serviceEnv,
  PORT: env.int('HTTP port for /health', 0, 65535, { default: '3107' }),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: env.bool('allow webhook targets on private, loopback, link-local or unique-local addresses (tests, on-premise receivers)', { default: 'false' }),
  WEBHOOK_MAX_ATTEMPTS: env.int('attempts of one delivery before it moves to the dead letters', 1, 100, { default: '10' }),
  WEBHOOK_RETRY_BASE_MS: env.int('wait before the first retry; doubles with every further attempt', 1, 3_600_000, { default: '2000' }),
  WEBHOOK_RETRY_MAX_MS: env.int('longest wait between two attempts', 1, 86_400_000, { default: '3600000' }),
  WEBHOOK_TIMEOUT_MS: env.int('how long a receiver may take to answer one delivery', 100, 120_000, { default: '10000' }),
  WEBHOOK_CONCURRENCY: env.int('deliveries in flight at once per replica (over all subscriptions)', 1, 1000, { default: '64' }),
  WEBHOOK_WORKER: env.bool('deliver webhooks from this process', { default: 'true' }),
  REFRESH_BATCH_SIZE: env.int('products recomputed per transaction when a channel view is (re)built', 1, 5000, { default: '250' }),
  PRICE_WINDOW_CHECK_MS: env.int('how often price validity windows that opened or closed are applied to views (0 = never)', 0, 3_600_000, { default: '15000' }),
};

export interface ChannelsConfig extends ServiceConfig {
  PORT: number;
  WEBHOOK_ALLOW_PRIVATE_TARGETS: boolean;
  WEBHOOK_MAX_ATTEMPTS: number;
  WEBHOOK_RETRY_BASE_MS: number;
  WEBHOOK_RETRY_MAX_MS: number;
  WEBHOOK_TIMEOUT_MS: number;
  WEBHOOK_CONCURRENCY: number;
  WEBHOOK_WORKER: boolean;
  REFRESH_BATCH_SIZE: number;
  PRICE_WINDOW_CHECK_MS: number;
}

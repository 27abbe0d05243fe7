import { CONTENT_LOCALE_PATTERN } from '@omnibus/contracts';
import { EnvVar, ServiceConfig, env, serviceEnv } from '@omnibus/service-kit';

export const contentEnv = {
  ...serviceEnv,
  PORT: env.int('HTTP port for /health', 0, 65535, { default: '3106' }),
  DEFAULT_LOCALE: {
    description: 'locale of new entries whose type names none; localized fields fall back to it',
    default: 'en',
    parse: (raw: string) => {
      if (!CONTENT_LOCALE_PATTERN.test(raw)) throw new Error('must be a locale like "en" or "de-AT"');
      return raw;
    },
  } satisfies EnvVar<string>,
  SCHEDULE_SWEEP_MS: env.int('how often scheduled publications that are due are published', 50, 3_600_000, { default: '5000' }),
  PRODUCT_RESOLVE_TIMEOUT_MS: env.int(
    "how long delivery waits for the catalog when resolving product references (keep it below the gateway's NATS_REQUEST_TIMEOUT_MS)",
    50,
    60_000,
    { default: '2000' },
  ),
};

export interface ContentConfig extends ServiceConfig {
  DEFAULT_LOCALE: string;
  SCHEDULE_SWEEP_MS: number;
  PRODUCT_RESOLVE_TIMEOUT_MS: number;
}

/** The validated configuration of the content service. */
export const CONTENT_CONFIG = Symbol('CONTENT_CONFIG');

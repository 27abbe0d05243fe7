/** One environment variable: what it is for, its default, and how to read it. */
export interface EnvVar<T> {
  description: string;
  /** Used when the variable is unset or empty; without it the variable is required. */
  default?: string;
  /** When true, an unset variable gives `undefined` instead of an error. */
  optional?: boolean;
  /** Reads the raw text; throws an Error whose message says what is wrong. */
  parse(raw: string): T;
}

type Parsed<S> = { [K in keyof S]: S[K] extends EnvVar<infer T> ? (S[K] extends { optional: true } ? T | undefined : T) : never };

/** Thrown when one or more variables are missing or wrong; the message names each. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads and validates every variable of `spec` at once, so a bad start names all problems. */
export function readEnv<S extends Record<string, EnvVar<unknown>>>(spec: S, env: NodeJS.ProcessEnv = process.env): Parsed<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(spec)) {
    const raw = env[name] === undefined || env[name] === '' ? variable.default : env[name];
    if (raw === undefined) {
      if (!variable.optional) problems.push(`${name} is required: ${variable.description}`);
      continue;
    }
    try {
      out[name] = variable.parse(raw);
    } catch (err) {
      problems.push(`${name}=${JSON.stringify(raw.length > 80 ? raw.slice(0, 80) + '…' : raw)} ${(err as Error).message}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return out as Parsed<S>;
}

/** Describes every variable of a spec, for `--help`. */
export function describeEnv(spec: Record<string, EnvVar<unknown>>): string {
  return Object.entries(spec)
    .map(([name, v]) => `  ${name.padEnd(26)} ${v.description}${v.default !== undefined ? ` (default: ${v.default})` : v.optional ? ' (optional)' : ' (required)'}`)
    .join('\n');
}

export const env = {
  string: (description: string, extra: Partial<EnvVar<string>> = {}): EnvVar<string> => ({
    description,
    parse: (raw) => raw,
    ...extra,
  }),
  int: (description: string, min: number, max: number, extra: Partial<EnvVar<number>> = {}): EnvVar<number> => ({
    description,
    parse: (raw) => {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < min || n > max) throw new Error(`must be an integer from ${min} to ${max}`);
      return n;
    },
    ...extra,
  }),
  bool: (description: string, extra: Partial<EnvVar<boolean>> = {}): EnvVar<boolean> => ({
    description,
    parse: (raw) => {
      if (/^(true|1|yes|on)$/i.test(raw)) return true;
      if (/^(false|0|no|off)$/i.test(raw)) return false;
      throw new Error('must be true or false');
    },
    ...extra,
  }),
  url: (description: string, protocols: string[], extra: Partial<EnvVar<string>> = {}): EnvVar<string> => ({
    description,
    parse: (raw) => {
      for (const part of raw.split(',')) {
        let url: URL;
        try {
          url = new URL(part.trim());
        } catch {
          throw new Error(`is not a URL (expected ${protocols.join(' or ')}://…)`);
        }
        if (!protocols.includes(url.protocol.replace(':', ''))) throw new Error(`must use ${protocols.join(' or ')}://`);
      }
      return raw;
    },
    ...extra,
  }),
  oneOf: <T extends string>(description: string, values: readonly T[], extra: Partial<EnvVar<T>> = {}): EnvVar<T> => ({
    description,
    parse: (raw) => {
      if (!values.includes(raw as T)) throw new Error(`must be one of: ${values.join(', ')}`);
      return raw as T;
    },
    ...extra,
  }),
};

/** Variables every app reads, the gateway included. */
export const baseEnv = {
  NODE_ENV: env.oneOf('development or production; production turns off local conveniences', ['development', 'production', 'test'], { default: 'development' }),
  PORT: env.int('HTTP port for /health and /docs', 0, 65535),
  NATS_URL: env.url('NATS server(s), comma separated', ['nats', 'tls'], { default: 'nats://127.0.0.1:4222' }),
  NATS_REQUEST_TIMEOUT_MS: env.int('how long a request to another service may take before it counts as unavailable', 100, 120_000, { default: '5000' }),
  LOG_LEVEL: env.oneOf('trace, debug, info, warn, error or silent', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], { default: 'info' }),
  METRICS_PORT: env.int('port of a separate listener for /metrics (Prometheus); unset = /metrics on PORT', 1, 65535, { optional: true }),
  OTEL_EXPORTER_OTLP_ENDPOINT: env.url('OpenTelemetry collector (OTLP/HTTP) for traces, e.g. http://otel-collector:4318; unset = no traces (other OTEL_* variables apply too)', ['http', 'https'], { optional: true }),
  OTEL_SDK_DISABLED: env.oneOf('true turns telemetry off: no traces, no /metrics', ['true', 'false'], { optional: true }),
} satisfies Record<string, EnvVar<unknown>>;

/** Variables every service with a database reads. */
export const serviceEnv = {
  ...baseEnv,
  DATABASE_URL: env.url('PostgreSQL URL of this service\'s own database; unset = embedded PGlite under DATA_DIR', ['postgres', 'postgresql'], { optional: true }),
  DATA_DIR: env.string('folder for the embedded database when DATABASE_URL is unset', { default: '.data' }),
  DATABASE_POOL_SIZE: env.int('PostgreSQL connections in the pool', 1, 200, { default: '10' }),
  MIGRATE_ON_START: env.bool('apply pending migrations at start (production runs the migrate job instead)', { optional: true }),
  OUTBOX_RELAY: env.bool('publish outbox events to JetStream from this process', { default: 'true' }),
  JETSTREAM_REPLICAS: env.int('copies of this service\'s event stream in the NATS cluster (production: 3)', 1, 5, { default: '1' }),
} satisfies Record<string, EnvVar<unknown>>;

export type BaseConfig = Parsed<typeof baseEnv>;
export type ServiceConfig = Parsed<typeof serviceEnv>;

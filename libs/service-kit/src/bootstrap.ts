import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions, ServerNats } from '@nestjs/microservices';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { BaseConfig, ConfigError, EnvVar, ServiceConfig, describeEnv, readEnv } from './config';
import { DatabaseHandle, Migration } from './database';
import { KitOptions, openServiceDatabase } from './kit.module';
import { instrumentHttp } from './http-telemetry';
import { natsServerOptions } from './jetstream';
import { JsonLogger, createLogger } from './logging';
import { memoizeValidationMetadata } from './validation-metadata';
import { speedUpAsyncResourceBind } from './async-resource-bind';
import { startTelemetry } from './telemetry';

/**
 * Nest's NATS server, routing by subject directly: every handler of ours is a plain subject, and Nest's
 * default first tries `JSON.parse` on it, building (and discarding) a SyntaxError for every message.
 */
export class SubjectNatsServer extends ServerNats {
  override getRouteFromPattern(pattern: string): string {
    return this.messageHandlers.has(pattern) ? pattern : super.getRouteFromPattern(pattern);
  }
}

export interface AppDefinition<C extends BaseConfig> {
  /** Service name: queue group, log field, PGlite folder, NATS connection name. */
  service: string;
  /** One line for `--help`. */
  summary: string;
  /** Environment variables, usually `{ ...serviceEnv, ...own }`. */
  env: Record<string, EnvVar<unknown>>;
  /** The root module, built from the validated config and the logger. */
  module(config: C, logger: Logger): DynamicModule;
  /** Loads the service's migrations; services without a database leave it out. */
  migrations?: () => Migration[];
  /** Answers NATS requests of this service (a queue group named after it). */
  natsHandlers: boolean;
  /** Extra HTTP setup (OpenAPI, body limits…). */
  configureHttp?(app: NestFastifyApplication, config: C): void | Promise<void>;
  /** Options for the Fastify adapter. */
  fastify?: ConstructorParameters<typeof FastifyAdapter>[0];
}

const HELP = (def: AppDefinition<BaseConfig>) => `${def.service}: ${def.summary}

Usage:
  node main.js            start the ${def.service}
  node main.js migrate    apply pending database migrations and exit${def.migrations ? '' : ' (no database: nothing to do)'}
  node main.js --help     show this text

Environment:
${describeEnv(def.env)}
`;

/** Reads the config or exits with a message naming every bad variable. */
function loadConfig<C extends BaseConfig>(def: AppDefinition<C>): C {
  try {
    return readEnv(def.env) as unknown as C;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${def.service}: ${err.message}\nRun with --help to see every variable.\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** Starts an app (or runs `migrate` / `--help`) from the command line. */
export async function runApp<C extends BaseConfig>(def: AppDefinition<C>, argv = process.argv.slice(2)): Promise<INestApplication | undefined> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP(def as unknown as AppDefinition<BaseConfig>));
    return undefined;
  }
  const config = loadConfig(def);
  const logger = createLogger(def.service, config.LOG_LEVEL);
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

  if (argv[0] === 'migrate') {
    let handle: DatabaseHandle | undefined;
    try {
      const options: KitOptions = { service: def.service, config: { ...(config as unknown as ServiceConfig), MIGRATE_ON_START: true }, logger, migrations: def.migrations?.() ?? [] };
      if (def.migrations) handle = await openServiceDatabase(options);
      logger.info('migrations are up to date');
    } catch (err) {
      logger.fatal({ err }, 'migration failed');
      process.exitCode = 1;
    } finally {
      await handle?.close();
    }
    return undefined;
  }
  if (argv.length) {
    process.stderr.write(`${def.service}: unknown command "${argv[0]}"\n\n${HELP(def as unknown as AppDefinition<BaseConfig>)}`);
    process.exit(2);
  }

  memoizeValidationMetadata();
  speedUpAsyncResourceBind();
  // Before any provider is built: the kit's instruments and spans bind to the SDK it registers.
  startTelemetry(def.service);
  try {
    const app = await NestFactory.create<NestFastifyApplication>(def.module(config, logger), new FastifyAdapter(def.fastify), {
      logger: new JsonLogger(logger),
      abortOnError: false,
    });
    instrumentHttp(app, config, logger);
    if (def.natsHandlers) {
      app.connectMicroservice<MicroserviceOptions>({
        strategy: new SubjectNatsServer({
          ...natsServerOptions(config.NATS_URL),
          name: `${def.service}-rpc`,
          queue: def.service,
          maxReconnectAttempts: -1,
          noAsyncTraces: true,
          // Unsubscribe first, then let requests in flight finish before the connection closes.
          gracefulShutdown: true,
          gracePeriod: 3000,
        }),
      });
    }
    await def.configureHttp?.(app, config);
    app.enableShutdownHooks();
    await app.startAllMicroservices();
    await app.listen(config.PORT, '0.0.0.0');
    logger.info({ port: config.PORT, url: await app.getUrl() }, `${def.service} started`);
    return app;
  } catch (err) {
    logger.fatal({ err }, `${def.service} failed to start`);
    process.exit(1);
  }
}

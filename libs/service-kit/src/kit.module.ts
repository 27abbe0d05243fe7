import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown, Optional, Provider } from '@nestjs/common';
import { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { BaseConfig, ServiceConfig } from './config';
import { EventConsumers } from './consumer';
import { DatabaseHandle, Migration, ensureDatabaseExists, migrate, openDatabase } from './database';
import { HealthController, Readiness } from './health';
import { StreamSpec, connectNats, ensureStream } from './jetstream';
import { Outbox, OutboxRelay } from './outbox';
import { shutdownTelemetry } from './telemetry';

import { DATABASE, LOGGER, NATS_CONNECTION, SERVICE_CONFIG } from './tokens';

export interface KitOptions {
  service: string;
  /** A ServiceConfig when `migrations` is given. */
  config: BaseConfig | ServiceConfig;
  logger: Logger;
  /** The service's own SQL migrations; a service without them has no database (the gateway). */
  migrations?: Migration[];
  /** JetStream streams this service publishes to. */
  streams?: StreamSpec[];
}

/** Opens the database, applying migrations first unless production runs them as a job. */
export async function openServiceDatabase(options: KitOptions): Promise<DatabaseHandle> {
  const config = options.config as ServiceConfig;
  const migrateOnStart = config.MIGRATE_ON_START ?? config.NODE_ENV !== 'production';
  if (config.DATABASE_URL && migrateOnStart) await ensureDatabaseExists(config.DATABASE_URL);
  const handle = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, service: options.service, poolSize: config.DATABASE_POOL_SIZE });
  if (migrateOnStart) {
    const applied = await migrate(handle.db, options.migrations ?? []);
    if (applied.length) options.logger.info({ applied }, 'migrations applied');
  }
  return handle;
}

@Injectable()
class KitLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: Partial<ServiceConfig>,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    private readonly readiness: Readiness,
    @Optional() @Inject(DATABASE) private readonly database?: DatabaseHandle,
    @Optional() private readonly relay?: OutboxRelay,
    @Optional() private readonly consumers?: EventConsumers,
  ) {}

  onApplicationBootstrap() {
    if (this.relay && this.config.OUTBOX_RELAY) this.relay.start();
  }

  beforeApplicationShutdown() {
    this.readiness.markStopping();
  }

  // Runs after Nest closed the HTTP server and the NATS request handlers (after their grace period).
  async onApplicationShutdown(signal?: string) {
    this.logger.info({ signal }, 'shutting down');
    await this.consumers?.stop();
    await this.relay?.stop();
    await this.nats.drain().catch(() => undefined);
    await this.database?.close().catch(() => undefined);
    // Last, so spans of the work that finished above are flushed (capped: a missing collector cannot hold us).
    await shutdownTelemetry();
  }
}

/** Config, logging, health, NATS, JetStream, and (for services with migrations) database, outbox and inbox. */
@Module({})
export class ServiceKitModule {
  static forRoot(options: KitOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: SERVICE_CONFIG, useValue: options.config },
      { provide: LOGGER, useValue: options.logger },
      Readiness,
      {
        provide: NATS_CONNECTION,
        inject: [Readiness],
        useFactory: async (readiness: Readiness) => {
          const nc = await connectNats(options.config.NATS_URL, options.service);
          const jsm = await nc.jetstreamManager();
          const replicas = (options.config as Partial<ServiceConfig>).JETSTREAM_REPLICAS;
          for (const stream of options.streams ?? []) await ensureStream(jsm, { replicas, ...stream });
          readiness.add('nats', async () => {
            if (nc.isClosed()) throw new Error('connection closed');
            await nc.flush();
          });
          return nc;
        },
      },
      KitLifecycle,
    ];
    if (options.migrations) {
      providers.push(
        {
          provide: DATABASE,
          inject: [Readiness],
          useFactory: async (readiness: Readiness) => {
            const handle = await openServiceDatabase(options);
            readiness.add('database', handle.ping);
            return handle;
          },
        },
        { provide: Outbox, useValue: new Outbox(options.service) },
        {
          provide: OutboxRelay,
          inject: [DATABASE, NATS_CONNECTION, Outbox],
          useFactory: (database: DatabaseHandle, nc: NatsConnection, outbox: Outbox) => {
            const relay = new OutboxRelay(database.own(), nc, options.logger.child({ component: 'outbox-relay' }));
            outbox.onCommitted(() => relay.notify());
            return relay;
          },
        },
        {
          provide: EventConsumers,
          inject: [DATABASE, NATS_CONNECTION],
          useFactory: async (database: DatabaseHandle, nc: NatsConnection) =>
            new EventConsumers(database.db, nc.jetstream(), await nc.jetstreamManager(), options.logger.child({ component: 'consumer' })),
        },
      );
    }
    return {
      module: ServiceKitModule,
      global: true,
      controllers: [HealthController],
      providers,
      exports: providers.filter((p) => p !== KitLifecycle).map((p) => ('provide' in p ? p.provide : p)),
    };
  }
}

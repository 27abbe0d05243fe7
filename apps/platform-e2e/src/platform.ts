import { AppProcess, ApiClient, TestDatabase, TestNats, appProcess, createTestDatabase, startNatsServer } from '@omnibus/testing';

/** Every service behind the gateway; each gets its own database. Add a new service here. */
export const SERVICES = ['catalog', 'content', 'inventory', 'pricing', 'customers', 'channels', 'orders'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** A private platform for one test file: its own nats-server, one database per service, the built apps. */
export interface Platform {
  nats: TestNats;
  services: Record<ServiceName, AppProcess>;
  databases: Record<ServiceName, TestDatabase>;
  catalog: AppProcess;
  catalogDb: TestDatabase;
  gateway: AppProcess;
  admin: ApiClient;
  web: ApiClient;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  /** The services to start (default: all); the gateway always starts. */
  only?: ServiceName[];
  /** Extra environment per service, e.g. `{ catalog: { OUTBOX_RELAY: 'false' } }`. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  gatewayEnv?: Record<string, string>;
}

export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const nats = await startNatsServer();
  const databases = {} as Record<ServiceName, TestDatabase>;
  const services = {} as Record<ServiceName, AppProcess>;
  for (const name of options.only ?? SERVICES) {
    databases[name] = await createTestDatabase(`omnibus_e2e_${name}`);
    services[name] = await appProcess(name, { NATS_URL: nats.url, DATABASE_URL: databases[name].url, ...options.serviceEnv?.[name] });
  }
  const gateway = await appProcess('gateway', { NATS_URL: nats.url, NATS_REQUEST_TIMEOUT_MS: '3000', ...options.gatewayEnv });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    await gateway.stop(signal);
    await Promise.all(Object.values(services).map((s) => s.stop(signal)));
    await Promise.all(Object.values(databases).map((d) => d.drop()));
    await nats.stop();
  };
  try {
    // Services start together (each migrates its own database), then the gateway.
    await Promise.all(Object.values(services).map((s) => s.start()));
    await gateway.start();
  } catch (err) {
    await stop('SIGKILL');
    throw err;
  }
  const admin = new ApiClient(gateway.url, 'dev-admin');
  return {
    nats,
    services,
    databases,
    catalog: services.catalog,
    catalogDb: databases.catalog,
    gateway,
    admin,
    web: admin.as('dev-web'),
    stop: () => stop(),
  };
}

let counter = 0;

/** A valid product body with unique slug and SKUs. */
export function productBody(overrides: Record<string, unknown> = {}): Record<string, any> {
  const n = `${Date.now().toString(36)}${(counter++).toString(36)}`;
  return {
    slug: `linen-shirt-${n}`,
    name: { en: `Linen shirt ${n}`, de: `Leinenhemd ${n}` },
    description: { en: 'Breathable linen.' },
    status: 'active',
    categories: ['shirts'],
    channels: ['web', 'app'],
    attributes: { material: 'linen', weight: { value: 180, unit: 'g' } },
    media: [{ url: 'https://images.example.com/shirt.jpg', alt: 'Shirt', kind: 'image' }],
    variants: [{ sku: `SHIRT-${n}-S`.toUpperCase() }, { sku: `SHIRT-${n}-M`.toUpperCase(), attributes: { size: 'M' } }],
    ...overrides,
  };
}

/** Every message currently on a stream, in order, with its Nats-Msg-Id. */
export async function streamMessages(natsUrl: string, stream: string): Promise<{ subject: string; msgId?: string; event: any }[]> {
  const { connect } = await import('nats');
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(stream);
    const out: { subject: string; msgId?: string; event: any }[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
      if (msg) out.push({ subject: msg.subject, msgId: msg.header?.get('Nats-Msg-Id'), event: msg.json() });
    }
    return out;
  } finally {
    await nc.close();
  }
}

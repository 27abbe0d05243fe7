import { AppProcess, ApiClient, TestDatabase, TestNats, appProcess, createTestDatabase, startNatsServer } from '@omnibus/testing';

/** A private platform for one test file: its own nats-server, its own database, the built apps. */
export interface Platform {
  nats: TestNats;
  catalogDb: TestDatabase;
  catalog: AppProcess;
  gateway: AppProcess;
  admin: ApiClient;
  web: ApiClient;
  stop(): Promise<void>;
}

export async function startPlatform(options: { catalogEnv?: Record<string, string>; gatewayEnv?: Record<string, string> } = {}): Promise<Platform> {
  const nats = await startNatsServer();
  const catalogDb = await createTestDatabase('omnibus_e2e_catalog');
  const catalog = await appProcess('catalog', { NATS_URL: nats.url, DATABASE_URL: catalogDb.url, ...options.catalogEnv });
  const gateway = await appProcess('gateway', { NATS_URL: nats.url, NATS_REQUEST_TIMEOUT_MS: '3000', ...options.gatewayEnv });
  try {
    await catalog.start();
    await gateway.start();
  } catch (err) {
    await Promise.all([gateway.stop('SIGKILL'), catalog.stop('SIGKILL')]);
    await catalogDb.drop();
    await nats.stop();
    throw err;
  }
  const admin = new ApiClient(gateway.url, 'dev-admin');
  return {
    nats,
    catalogDb,
    catalog,
    gateway,
    admin,
    web: admin.as('dev-web'),
    stop: async () => {
      await Promise.all([gateway.stop(), catalog.stop()]);
      await catalogDb.drop();
      await nats.stop();
    },
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

import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, AppProcess, TestDatabase, appProcess, createTestDatabase, freePort, waitFor } from '@omnibus/testing';
import { loadAll } from 'js-yaml';
import { NatsConnection, connect } from 'nats';
import { helm, shippedApps } from './support';

/**
 * The NATS users the chart makes (deploy/helm/omnibus, nats-authorization.conf), loaded into a real
 * nats-server: the built catalog and gateway work with their own users, and a service cannot publish
 * or subscribe outside its permissions.
 */
describe('NATS users and permissions from the chart, on a real nats-server', () => {
  // A letter first: NATS reads a password from the environment as a config value, so "12k…" would be a number.
  const passwords = Object.fromEntries(shippedApps().map((app) => [app, `p${randomBytes(12).toString('hex')}`]));
  let dir: string;
  let server: ChildProcess;
  let port: number;
  let database: TestDatabase;
  const apps: AppProcess[] = [];
  const url = (user: string, password = passwords[user]) => `nats://${user}:${password}@127.0.0.1:${port}`;
  /** The nats client takes credentials as options (the apps' kit moves them out of NATS_URL likewise). */
  const as = (user: string, password = passwords[user]) => ({ servers: `nats://127.0.0.1:${port}`, user, pass: password });

  beforeAll(async () => {
    helm('dependency', 'build', 'deploy/helm/omnibus');
    const manifests = loadAll(helm('template', 'omnibus', 'deploy/helm/omnibus', '--show-only', 'templates/nats-authorization.yaml')) as { data: Record<string, string> }[];
    dir = mkdtempSync(join(tmpdir(), 'omnibus-nats-auth-'));
    port = await freePort();
    writeFileSync(join(dir, 'authorization.conf'), manifests[0].data['authorization.conf']);
    writeFileSync(join(dir, 'nats.conf'), `listen: 127.0.0.1:${port}\njetstream { store_dir: "${join(dir, 'js')}" }\ninclude ./authorization.conf\n`);
    const binary = [process.env['NATS_SERVER_BIN'], '/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server'].find((p) => p && existsSync(p)) as string;
    const env = Object.fromEntries(Object.entries(passwords).map(([app, password]) => [`${app.toUpperCase().replace(/-/g, '_')}_NATS_PASSWORD`, password]));
    const output: string[] = [];
    server = spawn(binary, ['-c', join(dir, 'nats.conf')], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
    await waitFor('nats-server with the chart\'s users', async () => {
      if (server.exitCode !== null) throw new Error(`nats-server exited: ${output.join('')}`);
      const nc = await connect({ ...as('catalog'), timeout: 500 });
      await nc.close();
      return true;
    }).catch((err) => {
      throw new Error(`${err.message}\n${output.join('')}`);
    });
    database = await createTestDatabase('omnibus_deploy_nats');
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await database?.drop();
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lets the catalog and the gateway do their work with their own users', async () => {
    const catalog = await appProcess('catalog', { NATS_URL: url('catalog'), DATABASE_URL: database.url, LOG_LEVEL: 'warn' });
    const gateway = await appProcess('gateway', { NATS_URL: url('gateway'), LOG_LEVEL: 'warn', NATS_REQUEST_TIMEOUT_MS: '3000' });
    apps.push(catalog, gateway);
    await catalog.start(); // creates its stream and answers requests as user "catalog"
    await gateway.start();
    const admin = new ApiClient(gateway.url, 'dev-admin');
    const suffix = randomBytes(4).toString('hex');
    const created = await admin.post('/v1/products', { slug: `nats-perm-${suffix}`, name: { en: 'Permitted' }, variants: [{ sku: `PERM-${suffix}`.toUpperCase() }] });
    expect(created.status).toBe(201);
    expect((await admin.get(`/v1/products?limit=5`)).status).toBe(200);
    // The outbox relay published the event into CATALOG_EVENTS as user "catalog".
    const nc = await connect(as('catalog'));
    try {
      const jsm = await nc.jetstreamManager();
      await waitFor('the created event on CATALOG_EVENTS', async () => (await jsm.streams.info('CATALOG_EVENTS')).state.messages > 0);
    } finally {
      await nc.close();
    }
  });

  describe('a service outside its permissions', () => {
    let nc: NatsConnection;
    beforeAll(async () => {
      nc = await connect(as('catalog'));
    });
    afterAll(() => nc?.close());
    const publishFailure = (subject: string) => nc.request(subject, '{}', { timeout: 1000, noMux: true }).then(() => 'answered', (err: Error) => err.message);

    it('cannot send requests to a service it does not call, nor publish its events', async () => {
      expect(await publishFailure('pricing.price.get')).toMatch(/permissions violation for publish to "pricing\.price\.get"/i);
      expect(await publishFailure('pricing.price.changed')).toMatch(/permissions violation for publish to "pricing\.price\.changed"/i);
      // Its own subjects are fine: nobody answers there, which is not a permissions problem.
      expect(await publishFailure('catalog.nothing.here')).not.toMatch(/permissions/i);
    });

    it('cannot subscribe to another service\'s requests', async () => {
      const refused = new Promise<string>((resolve) => nc.subscribe('pricing.>', { queue: 'pricing', callback: (err) => resolve(err?.message ?? 'a message arrived') }));
      expect(await refused).toMatch(/permissions violation for subscription to "pricing\.>"/i);
    });

    it('cannot log in with a wrong password', async () => {
      const failure = await connect({ ...as('catalog', 'wrong'), reconnect: false, timeout: 2000 }).then((c) => c.close().then(() => 'connected'), (err: Error) => err.message);
      expect(failure).toMatch(/authorization/i);
    });
  });
});

import { ApiClient, appProcess, startNatsServer, waitFor } from '@omnibus/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Platform, productBody, startPlatform } from './platform';

describe('catalog restarts', () => {
  let p: Platform;

  beforeAll(async () => {
    p = await startPlatform();
  });
  afterAll(async () => {
    await p?.stop();
  });

  it('loses no acknowledged write when the catalog is killed mid-traffic and restarted', async () => {
    const acknowledged: { id: string; slug: string }[] = [];
    let stop = false;
    const writers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const body = productBody();
        const res = await p.admin.post('/v1/products', body).catch(() => undefined);
        if (res?.status === 201) acknowledged.push({ id: res.body.id, slug: body.slug });
        else await new Promise((r) => setTimeout(r, 50));
      }
    });
    await waitFor('some writes', () => acknowledged.length >= 20);
    await p.catalog.stop('SIGKILL');
    const duringOutage = acknowledged.length;
    await new Promise((r) => setTimeout(r, 300));
    await p.catalog.start();
    await waitFor('writes after the restart', () => acknowledged.length >= duringOutage + 10, 30_000);
    stop = true;
    await Promise.all(writers);

    const rows = await p.catalogDb.query<{ id: string }>('select id from products');
    const stored = new Set(rows.map((r) => r.id));
    const lost = acknowledged.filter((a) => !stored.has(a.id));
    expect(lost).toEqual([]);
    for (const a of acknowledged.slice(-5)) expect((await p.admin.get(`/v1/products/by-slug/${a.slug}`)).body.id).toBe(a.id);
    // Every stored product has its created event in the outbox, and the relay published them all.
    await waitFor('every event published', async () => {
      const [pending] = await p.catalogDb.query<{ n: string }>('select count(*) as n from outbox where published_at is null');
      return pending.n === '0';
    });
    const [created] = await p.catalogDb.query<{ n: string }>("select count(*) as n from outbox where subject = 'catalog.product.created'");
    expect(Number(created.n)).toBe(stored.size);
  });

  it('answers 503 with a JSON error while the catalog is down, and recovers', async () => {
    const created = await p.admin.post('/v1/products', productBody());
    await p.catalog.stop();
    const res = await p.admin.get('/v1/products?limit=1');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(res.body.message).toMatch(/catalog/);
    // A cached product still reads while its service is down.
    expect((await p.admin.get(`/v1/products/${created.body.id}`)).status).toBe(200);
    await p.catalog.start();
    expect((await p.admin.get('/v1/products?limit=1')).status).toBe(200);
  });

  it('stops gracefully on SIGTERM', async () => {
    const before = p.catalog.lines.length;
    await p.catalog.stop('SIGTERM');
    const shutdown = p.catalog.logs().slice(before);
    expect(shutdown.filter((l) => l['msg'] === 'shutting down')).toHaveLength(1);
    expect(shutdown.filter((l) => l['level'] === 'error' || l['level'] === 'fatal')).toEqual([]);
    await p.catalog.start();
  });
});

describe('catalog on embedded PGlite (no DATABASE_URL)', () => {
  it('stores products in its data folder and keeps them across a restart', async () => {
    const nats = await startNatsServer();
    const dataDir = mkdtempSync(join(tmpdir(), 'omnibus-pglite-'));
    const catalog = await appProcess('catalog', { NATS_URL: nats.url, DATA_DIR: dataDir });
    const gateway = await appProcess('gateway', { NATS_URL: nats.url });
    try {
      await catalog.start();
      await gateway.start();
      const admin = new ApiClient(gateway.url, 'dev-admin');
      const created = await admin.post('/v1/products', productBody());
      expect(created.status).toBe(201);
      await catalog.stop();
      await catalog.start();
      const bySlug = await admin.get(`/v1/products/by-slug/${created.body.slug}`);
      expect(bySlug.status).toBe(200);
      expect(bySlug.body.id).toBe(created.body.id);
    } finally {
      await gateway.stop();
      await catalog.stop();
      await nats.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

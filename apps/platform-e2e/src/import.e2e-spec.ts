import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, waitFor } from '@omnibus/testing';
import { connect } from 'nats';
import { Platform, productBody, startPlatform } from './platform';

const STREAMS = ['CATALOG_EVENTS', 'PRICING_EVENTS', 'INVENTORY_EVENTS'] as const;
type Stream = (typeof STREAMS)[number];

/** Runs tools/import.mjs to its end; stdout, stderr and the exit code. */
function runImport(args: string[], onStart?: (kill: () => void) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'tools/import.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    onStart?.(() => child.kill('SIGKILL'));
  });
}

/** A CSV cell: quoted when it holds a delimiter, a quote or a line break (RFC 4180). */
const cell = (v: string | number) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

describe('catalog bulk upsert and the legacy import tool', () => {
  let p: Platform;
  let dir: string;
  let priceListId: string;
  let nc: Awaited<ReturnType<typeof connect>>;

  beforeAll(async () => {
    p = await startPlatform({ only: ['catalog', 'pricing', 'inventory'] });
    dir = mkdtempSync(join(tmpdir(), 'omnibus-import-'));
    nc = await connect({ servers: p.nats.url });
    priceListId = (await p.admin.post('/v1/price-lists', { name: 'ERP list prices' })).body.id;
    const location = await p.admin.post('/v1/locations', {
      code: 'central',
      kind: 'warehouse',
      name: 'Central warehouse',
      address: { line1: 'Lagerweg 1', postalCode: '20095', city: 'Hamburg', country: 'DE' },
      geo: { latitude: 53.55, longitude: 10 },
      channels: ['web'],
    });
    expect(location.status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    await nc?.close();
    await p?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function lastSeqs(): Promise<Record<Stream, number>> {
    const jsm = await nc.jetstreamManager();
    const out = {} as Record<Stream, number>;
    for (const s of STREAMS) out[s] = (await jsm.streams.info(s).catch(() => undefined))?.state.last_seq ?? 0;
    return out;
  }

  /** Messages published on a stream after `afterSeq` (waits until the outbox relays are idle first). */
  async function messagesAfter(stream: Stream, afterSeq: number): Promise<{ subject: string; data: any }[]> {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(stream);
    const out: { subject: string; data: any }[] = [];
    for (let seq = afterSeq + 1; seq <= info.state.last_seq; seq++) {
      const msg = await jsm.streams.getMessage(stream, { seq });
      out.push({ subject: msg.subject, data: msg.json<{ data: unknown }>().data });
    }
    return out;
  }

  /** Waits until every service's outbox is published, so stream counts are final. */
  async function outboxesDrained() {
    for (const service of ['catalog', 'pricing', 'inventory'] as const) {
      await waitFor(`${service} outbox to be published`, async () => {
        const [row] = await p.databases[service].query<{ n: string }>('select count(*) as n from outbox where published_at is null');
        return Number(row.n) === 0;
      }, 60_000);
    }
  }

  it('upserts products by slug: created, changed, unchanged, rejected with index and reason; events only for real changes', async () => {
    const existing = (await p.admin.post('/v1/products', productBody({ slug: 'bulk-existing', variants: [{ sku: 'BULK-EX-1' }] }))).body;
    const other = (await p.admin.post('/v1/products', productBody({ slug: 'bulk-other', variants: [{ sku: 'BULK-TAKEN' }] }))).body;
    await outboxesDrained();
    const before = await lastSeqs();
    const items = [
      { slug: 'bulk-new', name: { en: 'New' }, status: 'active', channels: ['web'], variants: [{ sku: 'BULK-NEW-1' }] },
      { slug: 'bulk-existing', name: existing.name, attributes: { ...existing.attributes } }, // same as stored
      { slug: 'bulk-existing-2', name: { en: 'Second new' } },
      { slug: 'Not A Slug', name: { en: 'x' } },
      { slug: 'bulk-steals', name: { en: 'Steals' }, variants: [{ sku: 'BULK-TAKEN' }] },
      { slug: 'bulk-new', name: { en: 'Twice' } },
      { slug: 'bulk-nameless' },
      { slug: 'bulk-other', categories: ['changed'] },
    ];
    const res = await p.admin.post('/v1/products/bulk', { items });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 2, changed: 1, unchanged: 1, rejected: 4 });
    expect(res.body.items.map((i: { outcome: string }) => i.outcome)).toEqual(['created', 'unchanged', 'created', 'rejected', 'rejected', 'rejected', 'rejected', 'changed']);
    expect(res.body.items[1]).toMatchObject({ index: 1, id: existing.id, version: 1 });
    expect(res.body.items[3]).toMatchObject({ index: 3, problems: [{ field: 'slug', problem: expect.stringMatching(/lower-case/) }] });
    expect(res.body.items[4]).toMatchObject({ index: 4, problems: [{ field: 'variants.0.sku', problem: 'is already used by another product' }] });
    expect(res.body.items[5]).toMatchObject({ index: 5, problems: [{ field: 'slug', problem: 'repeats the slug of item 0' }] });
    expect(res.body.items[6]).toMatchObject({ index: 6, problems: [{ field: 'name', problem: 'is required to create a product' }] });
    expect(res.body.items[7]).toMatchObject({ id: other.id, version: 2 });
    expect((await p.admin.get(`/v1/products/${other.id}`)).body).toMatchObject({ categories: ['changed'], name: other.name, variants: [{ sku: 'BULK-TAKEN' }] });
    expect((await p.admin.get('/v1/products/by-slug/bulk-steals')).status).toBe(404);

    await outboxesDrained();
    const events = await messagesAfter('CATALOG_EVENTS', before.CATALOG_EVENTS);
    expect(events.map((e) => `${e.subject} ${e.data.product.slug}`)).toEqual(['catalog.product.created bulk-new', 'catalog.product.created bulk-existing-2', 'catalog.product.updated bulk-other']);

    // The same request again: nothing changes, nothing is emitted.
    const again = await p.admin.post('/v1/products/bulk', { items: items.filter((_, i) => ![3, 4, 5, 6].includes(i)) });
    expect(again.body).toMatchObject({ created: 0, changed: 0, unchanged: 4, rejected: 0 });
    await outboxesDrained();
    expect((await lastSeqs()).CATALOG_EVENTS).toBe(before.CATALOG_EVENTS + 3);

    expect((await p.admin.as(undefined).post('/v1/products/bulk', { items })).status).toBe(401);
    expect((await p.admin.post('/v1/products/bulk', { items: 'nope' })).status).toBe(400);
    expect((await p.admin.post('/v1/products/bulk', { items: Array.from({ length: 501 }, () => ({ slug: 'x' })) })).body.details[0]).toMatchObject({ field: 'items' });
  });

  const header = 'handle,title_en,title_de,category,material,weight_g,sku,price,qty';
  const mapping = () => ({
    format: 'csv',
    product: {
      slug: 'handle',
      'name.en': 'title_en',
      'name.de': 'title_de',
      status: { value: 'active' },
      channels: { value: ['web', 'app'] },
      categories: { column: 'category', split: '|' },
      'attributes.material': 'material',
      'attributes.weight': { column: 'weight_g', type: 'number', unit: 'g' },
      variants: { column: 'sku', split: '|' },
    },
    prices: [{ priceList: { value: priceListId }, sku: 'sku', amount: { column: 'price', type: 'money' }, currency: { value: 'EUR' } }],
    stock: [{ location: { value: 'central' }, sku: 'sku', onHand: { column: 'qty', type: 'integer' } }],
  });
  const row = (i: number, changes: { title?: string; price?: string; qty?: number } = {}) =>
    [
      `erp-${i}`,
      changes.title ?? (i % 100 === 0 ? `Shirt ${i}, "classic"` : `Shirt ${i}`),
      i % 250 === 0 ? `Hemd ${i}\nzweizeilig` : `Hemd ${i}`,
      i % 2 ? 'shirts|summer' : 'shirts',
      'linen',
      150 + (i % 50),
      `ERP-${i}`,
      changes.price ?? `${10 + (i % 90)}.${String(i % 100).padStart(2, '0')}`,
      changes.qty ?? i % 37,
    ]
      .map(cell)
      .join(',');

  it('imports 10,000 products with prices and stock; a re-import emits nothing; 50 changed rows emit exactly 50 events', async () => {
    const file = join(dir, 'erp-export.csv');
    const mappingFile = join(dir, 'mapping.json');
    writeFileSync(mappingFile, JSON.stringify(mapping()));
    writeFileSync(file, [header, ...Array.from({ length: 10_000 }, (_, i) => row(i + 1))].join('\r\n') + '\r\n');
    const args = [file, '--mapping', mappingFile, '--gateway', p.gateway.url, '--key', 'dev-admin', '--quiet', '--report', join(dir, 'report.json')];

    await outboxesDrained();
    const start = await lastSeqs();
    const first = await runImport(args);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/10,000 rows/);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report).toMatchObject({
      rows: 10_000,
      products: { created: 10_000, changed: 0, unchanged: 0, rejected: 0 },
      prices: { created: 10_000, changed: 0, unchanged: 0, rejected: 0 },
      stock: { rejected: 0 },
      rejected: [],
    });
    // Stock 0 is not a change for a level that does not exist yet.
    const nonZeroStock = Array.from({ length: 10_000 }, (_, i) => (i + 1) % 37).filter((q) => q > 0).length;
    expect(report.stock.changed).toBe(nonZeroStock);
    expect(existsSync(`${file}.import-state.json`)).toBe(false);

    const quoted = (await p.admin.get('/v1/products/by-slug/erp-500')).body;
    expect(quoted).toMatchObject({ name: { en: 'Shirt 500, "classic"', de: 'Hemd 500\nzweizeilig' }, categories: ['shirts'], attributes: { material: 'linen', weight: { value: 150, unit: 'g' } }, variants: [{ sku: 'ERP-500' }] });
    const prices = (await p.admin.get('/v1/prices?sku=ERP-77')).body.items;
    expect(prices).toMatchObject([{ amount: 8777, currency: 'EUR', priceListId }]);
    await outboxesDrained();
    const afterFirst = await lastSeqs();
    expect(afterFirst.CATALOG_EVENTS - start.CATALOG_EVENTS).toBe(10_000);
    expect(afterFirst.PRICING_EVENTS - start.PRICING_EVENTS).toBe(10_000);
    expect(afterFirst.INVENTORY_EVENTS - start.INVENTORY_EVENTS).toBe(nonZeroStock);

    // The same file again: every row unchanged, not one event.
    const second = await runImport(args);
    expect(second.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toMatchObject({
      products: { created: 0, changed: 0, unchanged: 10_000 },
      prices: { created: 0, changed: 0, unchanged: 10_000 },
      stock: { changed: 0, unchanged: 10_000 },
    });
    await outboxesDrained();
    expect(await lastSeqs()).toEqual(afterFirst);

    // 50 rows change: 20 titles, 15 prices, 15 stock figures.
    const titles = Array.from({ length: 20 }, (_, i) => 101 + i * 7);
    const priced = Array.from({ length: 15 }, (_, i) => 303 + i * 11);
    const counted = Array.from({ length: 15 }, (_, i) => 5005 + i * 13);
    writeFileSync(
      file,
      [
        header,
        ...Array.from({ length: 10_000 }, (_, k) => {
          const i = k + 1;
          if (titles.includes(i)) return row(i, { title: `Renamed ${i}` });
          if (priced.includes(i)) return row(i, { price: '99.99' });
          if (counted.includes(i)) return row(i, { qty: 1000 + i });
          return row(i);
        }),
      ].join('\r\n') + '\r\n',
    );
    const third = await runImport(args);
    expect(third.code).toBe(0);
    await outboxesDrained();
    const catalog = await messagesAfter('CATALOG_EVENTS', afterFirst.CATALOG_EVENTS);
    const pricing = await messagesAfter('PRICING_EVENTS', afterFirst.PRICING_EVENTS);
    const inventory = await messagesAfter('INVENTORY_EVENTS', afterFirst.INVENTORY_EVENTS);
    expect(catalog.map((e) => e.data.product.slug).sort()).toEqual(titles.map((i) => `erp-${i}`).sort());
    expect(catalog.every((e) => e.subject === 'catalog.product.updated')).toBe(true);
    expect(pricing.map((e) => `${e.data.sku}=${e.data.newAmount}`).sort()).toEqual(priced.map((i) => `ERP-${i}=9999`).sort());
    expect(inventory.map((e) => `${e.data.sku}=${e.data.onHand}`).sort()).toEqual(counted.map((i) => `ERP-${i}=${1000 + i}`).sort());
    expect(catalog.length + pricing.length + inventory.length).toBe(50);
  }, 900_000);

  it('reports rows it cannot import with their line numbers and reasons, and imports the rest', async () => {
    const file = join(dir, 'with-errors.csv');
    const mappingFile = join(dir, 'mapping.json');
    writeFileSync(mappingFile, JSON.stringify(mapping()));
    const lines = [header, row(20_001), 'Bad Slug,Name,Name,shirts,linen,100,ERR-1,1.00,1', row(20_002).replace('ERP-20002', 'BULK-TAKEN'), row(20_003).replace(/,[0-9.]+,(\d+)$/, ',12.345,$1')];
    writeFileSync(file, lines.join('\n') + '\n');
    const res = await runImport([file, '--mapping', mappingFile, '--gateway', p.gateway.url, '--quiet', '--report', join(dir, 'errors.json')]);
    expect(res.code).toBe(3);
    const report = JSON.parse(readFileSync(join(dir, 'errors.json'), 'utf8'));
    expect(report.rejected).toEqual([
      { line: 5, kind: 'row', reasons: [expect.stringMatching(/column "price" is not an amount with at most 2 decimals/)] },
      { line: 3, kind: 'product', reasons: [expect.stringMatching(/^slug: /)] },
      { line: 4, kind: 'product', reasons: ['variants.0.sku: is already used by another product'] },
    ]);
    expect(report.products).toMatchObject({ created: 1, rejected: 2 });
    expect(res.stdout).toMatch(/line 3 \(product\): slug:/);
    expect((await p.admin.get('/v1/products/by-slug/erp-20001')).status).toBe(200);
  }, 300_000);

  it('resumes an interrupted import after the last finished batch', async () => {
    const file = join(dir, 'resume.csv');
    const mappingFile = join(dir, 'mapping-products.json');
    writeFileSync(mappingFile, JSON.stringify({ product: mapping().product }));
    writeFileSync(file, [header, ...Array.from({ length: 3_000 }, (_, i) => row(30_001 + i))].join('\n') + '\n');
    const args = [file, '--mapping', mappingFile, '--gateway', p.gateway.url, '--batch', '100', '--quiet', '--report', join(dir, 'resume.json')];
    await outboxesDrained();
    const start = await lastSeqs();
    const state = `${file}.import-state.json`;
    const killed = await runImport(args, (kill) => {
      void waitFor('a few batches to be saved', () => existsSync(state) && JSON.parse(readFileSync(state, 'utf8')).nextLine > 500, 120_000, 20).then(kill);
    });
    expect(killed.code).toBeNull(); // killed mid-run
    const saved = JSON.parse(readFileSync(state, 'utf8'));
    expect(saved.totals.rows).toBeGreaterThanOrEqual(500);
    expect(saved.totals.rows).toBeLessThan(3_000);

    const resumed = await runImport(args);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/resuming after line \d+/);
    const report = JSON.parse(readFileSync(join(dir, 'resume.json'), 'utf8'));
    expect(report.rows).toBe(3_000);
    expect(report.products.created + report.products.unchanged).toBe(3_000);
    expect(existsSync(state)).toBe(false);
    await outboxesDrained();
    // Each product was created exactly once, whatever batch was in flight when the run was killed.
    const created = await messagesAfter('CATALOG_EVENTS', start.CATALOG_EVENTS);
    expect(created).toHaveLength(3_000);
    expect(new Set(created.map((e) => e.data.product.slug)).size).toBe(3_000);
  }, 600_000);
});

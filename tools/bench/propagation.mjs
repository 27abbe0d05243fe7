#!/usr/bin/env node
// npm run bench:propagation: time from a stock change at the gateway to its entry in the feeds of five
// sales channels, under a steady load of changes. See docs/performance.md.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import os from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const READY_TIMEOUT_MS = 90_000;
const TARGET_P99_MS = 500;
const CHANNELS = [
  { code: 'web', kind: 'web', catalogChannel: 'web' },
  { code: 'app', kind: 'app', catalogChannel: 'app' },
  { code: 'pos-1', kind: 'pos', catalogChannel: 'pos' },
  { code: 'pos-2', kind: 'pos', catalogChannel: 'pos' },
  { code: 'marketplace', kind: 'marketplace', catalogChannel: 'marketplace' },
];
const SERVICES = ['catalog', 'pricing', 'inventory', 'channels'];

const HELP = `Usage: npm run bench:propagation -- [options]
       node tools/bench/propagation.mjs [options]

Measures propagation: the time from the HTTP response of a stock change (PUT /v1/stock/{location}/{sku}
through the gateway) to the entry carrying the new quantity in the feeds of ${CHANNELS.length} sales channels
(${CHANNELS.map((c) => c.code).join(', ')}), all supplied by one warehouse. Entries are received on one
Server-Sent Events stream per channel (GET /v1/channels/{channel}/stream). The changes come at a steady
rate, open loop (the next one does not wait for the previous one), over random products.

It starts its own platform: a private nats-server (JetStream, temporary store, free port), fresh
PostgreSQL databases omnibus_bench_<random>_<service> (dropped at the end), and the built catalog,
pricing, inventory, channels and gateway (dist/apps/*/main.js as they are: run \`npm run build\`
after changing code).

Options (flag, or environment variable):
  --duration <s>     seconds of steady load                         BENCH_DURATION  (default 30)
  --rate <n>         stock changes per second                        BENCH_RATE      (default 20)
  --products <n>     products (one SKU each) the changes go to       BENCH_PRODUCTS  (default 100)
  --help             this text

Environment: DATABASE_URL (PostgreSQL server, default postgres://postgres@127.0.0.1:5432/postgres),
NATS_SERVER_BIN (nats-server binary). Exit code 0 when measured (whatever the figures), 1 when the run
could not be measured or entries were lost.
`;

function parseOptions(argv) {
  const opts = { duration: process.env.BENCH_DURATION ?? '30', rate: process.env.BENCH_RATE ?? '20', products: process.env.BENCH_PRODUCTS ?? '100' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { help: true };
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match || !(match[1] in opts)) throw new Error(`unknown option "${arg}" (see --help)`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${match[1]} needs a value`);
    opts[match[1]] = value;
  }
  const int = (name, min, max) => {
    const n = Number(opts[name]);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max} (got "${opts[name]}")`);
    return n;
  };
  return { duration: int('duration', 1, 3600), rate: int('rate', 1, 2000), products: int('products', 1, 10_000) };
}

// ---------------------------------------------------------------------------------------------
// Processes we start, and stopping them whatever happens

const children = new Set();
const cleanups = [];
let cleaningUp;
let interrupted = false;
const log = (message) => process.stderr.write(`[bench] ${message}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function start(name, command, args, env = {}) {
  if (interrupted) throw new Error('interrupted');
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.label = name;
  child.output = '';
  const keep = (chunk) => (child.output = (child.output + chunk.toString()).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.exited = new Promise((done) => child.on('exit', (code, signal) => done({ code, signal })));
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
  await child.exited;
  clearTimeout(timer);
}

function cleanup() {
  cleaningUp ??= (async () => {
    const all = [...children];
    await Promise.all(all.filter((c) => c.label !== 'nats-server').map(stop));
    await Promise.all(all.filter((c) => c.label === 'nats-server').map(stop));
    while (cleanups.length) {
      try {
        await cleanups.pop()();
      } catch (err) {
        log(`cleanup: ${err.message}`);
      }
    }
  })();
  return cleaningUp;
}

process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted = true;
    log(`${signal}: stopping everything this run started…`);
    void cleanup().finally(() => process.exit(130));
  });
}

function freePort() {
  return new Promise((done, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function tcpOpen(port) {
  return new Promise((done) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

async function waitFor(child, what, check, timeoutMs = READY_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`${child.label} exited before ${what}; its last output:\n${child.output}`);
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s${child ? `; last output of ${child.label}:\n${child.output}` : ''}`);
}

function findNatsServer() {
  if (process.env.NATS_SERVER_BIN) return process.env.NATS_SERVER_BIN;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  if (existsSync('/usr/sbin/nats-server')) return '/usr/sbin/nats-server';
  throw new Error('nats-server not found: put it on PATH or set NATS_SERVER_BIN');
}

async function startPlatform() {
  const missing = [...SERVICES, 'gateway'].filter((app) => !existsSync(join(ROOT, 'dist/apps', app, 'main.js')));
  if (missing.length) throw new Error(`dist/apps/{${missing.join(',')}}/main.js missing: run npm run build first`);
  const storeDir = mkdtempSync(join(os.tmpdir(), 'omnibus-bench-nats-'));
  cleanups.push(() => rmSync(storeDir, { recursive: true, force: true }));
  const natsPort = await freePort();
  const nats = start('nats-server', findNatsServer(), ['-js', '-a', '127.0.0.1', '-p', String(natsPort), '-sd', storeDir]);
  await waitFor(nats, `nats-server listened on port ${natsPort}`, () => tcpOpen(natsPort));

  const base = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
  const adminUrl = new URL(base);
  adminUrl.pathname = '/postgres';
  const prefix = `omnibus_bench_${randomBytes(4).toString('hex')}`;
  cleanups.push(async () => {
    const client = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      for (const service of SERVICES) await client.query(`drop database if exists "${prefix}_${service}" with (force)`);
    } finally {
      await client.end();
    }
  });
  const common = { NATS_URL: `nats://127.0.0.1:${natsPort}`, LOG_LEVEL: 'warn', NODE_ENV: 'development' };
  const processes = { 'nats-server': nats };
  const ports = {};
  for (const service of SERVICES) {
    const url = new URL(base);
    url.pathname = `/${prefix}_${service}`; // each service creates its own database at start
    ports[service] = await freePort();
    processes[service] = start(service, process.execPath, [`dist/apps/${service}/main.js`], { ...common, PORT: String(ports[service]), DATABASE_URL: url.toString() });
  }
  const ready = (name) =>
    waitFor(processes[name], `${name} was ready`, async () => {
      const res = await fetch(`http://127.0.0.1:${ports[name]}/health/ready`, { signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer();
      return res.status === 200;
    });
  await Promise.all(SERVICES.map(ready));
  ports.gateway = await freePort();
  processes.gateway = start('gateway', process.execPath, ['dist/apps/gateway/main.js'], { ...common, PORT: String(ports.gateway) });
  await ready('gateway');
  log(`platform ready: nats-server on ${natsPort}, databases ${prefix}_*, gateway on ${ports.gateway}`);
  return { url: `http://127.0.0.1:${ports.gateway}`, processes };
}

// ---------------------------------------------------------------------------------------------

async function api(gateway, method, path, body) {
  const res = await fetch(`${gateway}${path}`, {
    method,
    headers: { 'x-api-key': 'dev-admin', ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function must(gateway, method, path, body, expected = [200, 201]) {
  const res = await api(gateway, method, path, body);
  if (!expected.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body;
}

/** One SSE stream per channel; calls `onEntry(channel, entry, receivedAt)` for each entry. */
async function openStreams(gateway, after, onEntry) {
  const controllers = [];
  for (const { code } of CHANNELS) {
    const controller = new AbortController();
    controllers.push(controller);
    const res = await fetch(`${gateway}/v1/channels/${code}/stream`, { headers: { 'x-api-key': 'dev-admin', 'last-event-id': after[code] }, signal: controller.signal });
    if (res.status !== 200) throw new Error(`GET /v1/channels/${code}/stream answered ${res.status}`);
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body) {
          const receivedAt = performance.now();
          buffer += decoder.decode(chunk, { stream: true });
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = /^data: (.*)$/m.exec(block);
            if (data && /^event: entry$/m.test(block)) onEntry(code, JSON.parse(data[1]), receivedAt);
          }
        }
      } catch {
        /* aborted at the end */
      }
    })();
  }
  return () => controllers.forEach((c) => c.abort());
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench:propagation: ${err.message}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const platform = await startPlatform();
  const gateway = platform.url;

  // One warehouse supplies all five channels: a stock change there concerns every one of them.
  const location = await must(gateway, 'POST', '/v1/locations', {
    code: 'bench-central',
    kind: 'warehouse',
    name: 'Bench warehouse',
    address: { line1: 'Benchweg 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
    geo: { latitude: 52.5, longitude: 13.4 },
    channels: CHANNELS.map((c) => c.code),
  });
  for (const c of CHANNELS) {
    await must(gateway, 'POST', '/v1/channels', { code: c.code, name: `Bench ${c.code}`, kind: c.kind, locales: ['en'], assortment: { catalogChannel: c.catalogChannel }, priceScope: { currency: 'EUR' } });
  }
  const run = randomBytes(3).toString('hex');
  const items = Array.from({ length: options.products }, (_, i) => ({
    slug: `bench-${run}-${i}`,
    name: { en: `Bench product ${i}` },
    status: 'active',
    channels: ['web', 'app', 'pos', 'marketplace'],
    variants: [{ sku: `BENCH-${run}-${i}` }],
  }));
  const skus = items.map((p) => p.variants[0].sku);
  for (let i = 0; i < items.length; i += 500) await must(gateway, 'POST', '/v1/products/bulk', { items: items.slice(i, i + 500) });
  const quantity = new Map(skus.map((sku) => [sku, 1]));
  // Inventory takes stock for a SKU once the catalog's event reached it.
  await waitFor(null, 'inventory to know the bench SKUs', async () => (await api(gateway, 'POST', '/v1/stock/bulk', { items: skus.map((sku) => ({ sku, locationId: location.id, onHand: 1 })) })).status === 200);
  const after = {};
  await waitFor(
    null,
    'every channel view to hold every bench product with its stock',
    async () => {
      for (const { code } of CHANNELS) {
        const sync = await must(gateway, 'GET', `/v1/channels/${code}/sync`);
        if (sync.snapshot.status !== 'ready' || sync.feed.products < options.products) return false;
        after[code] = sync.feed.lastCursor;
      }
      // The initial stock entries are in: nothing more is pending for the bench SKUs.
      await sleep(1000);
      for (const { code } of CHANNELS) if ((await must(gateway, 'GET', `/v1/channels/${code}/sync`)).feed.lastCursor !== after[code]) return false;
      return true;
    },
    180_000,
  );
  log(`seeded ${options.products} products in ${CHANNELS.length} channels`);

  // change key "sku=quantity" → { sentAt (response), arrivals per channel }
  const changes = new Map();
  const arrivals = [];
  let early = 0;
  const closeStreams = await openStreams(gateway, after, (channel, entry, receivedAt) => {
    for (const [sku, variant] of Object.entries(entry.changes?.variants ?? {})) {
      if (variant?.available === undefined) continue;
      const change = changes.get(`${sku}=${variant.available}`);
      if (!change || change.arrived.has(channel)) continue;
      change.arrived.set(channel, receivedAt);
      change.appendedAt.set(channel, Date.parse(entry.occurredAt));
      change.receivedWall.set(channel, Date.now());
      if (change.respondedAt !== undefined) arrivals.push(Math.max(0, receivedAt - change.respondedAt));
      else early++;
    }
  });
  await sleep(500);

  log(`measuring: ${options.rate} stock changes/s for ${options.duration} s…`);
  const total = options.rate * options.duration;
  const intervalMs = 1000 / options.rate;
  const startedAt = performance.now();
  let failed = 0;
  const inFlight = [];
  for (let i = 0; i < total && !interrupted; i++) {
    const due = startedAt + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const sku = skus[Math.floor(Math.random() * skus.length)];
    const onHand = quantity.get(sku) + 1;
    quantity.set(sku, onHand);
    const change = { arrived: new Map(), appendedAt: new Map(), receivedWall: new Map(), respondedAt: undefined, respondedWall: undefined };
    changes.set(`${sku}=${onHand}`, change);
    inFlight.push(
      api(gateway, 'PUT', `/v1/stock/${location.id}/${sku}`, { onHand }).then((res) => {
        change.respondedAt = performance.now();
        change.respondedWall = Date.now();
        if (res.status !== 200) failed++;
        // Entries that arrived before the response count as 0 ms.
        for (const at of change.arrived.values()) arrivals.push(Math.max(0, at - change.respondedAt));
      }),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - startedAt) / 1000;
  await waitFor(null, 'the last entries to arrive', async () => [...changes.values()].every((c) => c.arrived.size === CHANNELS.length), 30_000).catch(() => undefined);
  closeStreams();

  const all = [...changes.values()];
  const complete = all.filter((c) => c.arrived.size === CHANNELS.length && c.respondedAt !== undefined);
  const lost = all.reduce((n, c) => n + CHANNELS.length - c.arrived.size, 0);
  const perEntry = [...arrivals].sort((a, b) => a - b);
  const allFive = complete.map((c) => Math.max(0, Math.max(...c.arrived.values()) - c.respondedAt)).sort((a, b) => a - b);
  const fmt = (n) => (Number.isFinite(n) ? `${n.toFixed(0)} ms` : '–');
  // Where the time goes: until the channels service appended the entry (its clock), then until the SSE client had it.
  const toAppend = complete.flatMap((c) => [...c.appendedAt.values()].map((at) => Math.max(0, at - c.respondedWall))).sort((a, b) => a - b);
  const toClient = complete.flatMap((c) => [...c.appendedAt.entries()].map(([ch, at]) => Math.max(0, c.receivedWall.get(ch) - at))).sort((a, b) => a - b);
  const facts = { cpus: os.cpus().length, model: os.cpus()[0]?.model?.trim() ?? '?', node: process.version, load: os.loadavg().map((l) => l.toFixed(2)).join(' '), date: new Date().toISOString() };
  const out = [
    '',
    `Propagation of stock changes to ${CHANNELS.length} channel feeds (SSE): ${all.length} changes in ${elapsed.toFixed(1)} s (${(all.length / elapsed).toFixed(1)}/s), ${options.products} products`,
    `machine: ${facts.cpus} × ${facts.model}, Node ${facts.node}, load average ${facts.load}, ${facts.date}`,
    '',
    `time from the PUT response to the entry in all ${CHANNELS.length} feeds: p50 ${fmt(percentile(allFive, 50))}, p90 ${fmt(percentile(allFive, 90))}, p99 ${fmt(percentile(allFive, 99))}, max ${fmt(allFive[allFive.length - 1])}`,
    `time to the entry in one feed (${perEntry.length} entries):        p50 ${fmt(percentile(perEntry, 50))}, p90 ${fmt(percentile(perEntry, 90))}, p99 ${fmt(percentile(perEntry, 99))}`,
    `  of which: response → entry appended p50 ${fmt(percentile(toAppend, 50))}, p99 ${fmt(percentile(toAppend, 99))}; appended → received on the stream p50 ${fmt(percentile(toClient, 50))}, p99 ${fmt(percentile(toClient, 99))}`,
    `failed changes: ${failed}; entries not received: ${lost}${early ? `; ${early} entries arrived before their PUT answered (counted as 0 ms)` : ''}`,
    `target (p99 in all ${CHANNELS.length} feeds < ${TARGET_P99_MS} ms): ${failed || lost ? 'not judged, changes failed or entries were lost' : percentile(allFive, 99) < TARGET_P99_MS ? 'met' : 'MISSED'}`,
    '',
    'Markdown row for docs/performance.md (date | machine | changes/s | p50 all feeds | p99 all feeds | p99 one feed | lost):',
    `| ${facts.date.slice(0, 16).replace('T', ' ')} UTC | ${facts.cpus} × ${facts.model} | ${(all.length / elapsed).toFixed(0)} | ${fmt(percentile(allFive, 50))} | ${fmt(percentile(allFive, 99))} | ${fmt(percentile(perEntry, 99))} | ${lost} |`,
    '',
  ];
  process.stdout.write(out.join('\n'));
  return failed || lost ? 1 : 0;
}

main()
  .then(
    async (code) => {
      await cleanup();
      process.exit(code);
    },
    async (err) => {
      process.stderr.write(`bench:propagation: ${err.message}\n`);
      await cleanup();
      process.exit(1);
    },
  );

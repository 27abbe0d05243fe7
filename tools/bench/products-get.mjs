#!/usr/bin/env node
// npm run bench:products: GET /v1/products/{id} through the gateway, next to a bare NestJS + Fastify
// baseline measured in the same run. See docs/performance.md.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import os from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WARMUP_SECONDS = 3;
const READY_TIMEOUT_MS = 60_000;
const TARGET = { rps: 5000, p99: 25 };

const HELP = `Usage: npm run bench:products -- [options]
       node tools/bench/products-get.mjs [options]

Measures GET /v1/products/{id} through the gateway (channel key dev-web, round-robin over N
products created first), after a ${WARMUP_SECONDS} s warm-up, and a bare NestJS + Fastify app returning
~1 KB of JSON with the same settings, then prints req/s, p50, p99 and the ratio gateway/bare.

By default it starts its own platform: a private nats-server (JetStream, temporary store, free
port), a fresh PostgreSQL database omnibus_bench_<random> (dropped at the end) and the built
catalog and gateway (dist/apps/*/main.js as they are: run \`npm run build\` after changing code;
built first only when missing). With --gateway, the bench products get a unique slug/SKU prefix
and are archived again after the run.

Options (flag, or environment variable):
  --duration <s>       seconds measured per shape            BENCH_DURATION     (default 20)
  --connections <n>    concurrent connections                BENCH_CONNECTIONS  (default 50)
  --products <n>       products created and read in turn     BENCH_PRODUCTS     (default 200)
  --gateway <url>      use this running gateway instead of   BENCH_GATEWAY
                       starting a platform
  --key <key>          admin key for --gateway (seeding)     BENCH_KEY          (default dev-admin)
  --read-key <key>     key of the reads: a key of channel    BENCH_READ_KEY     (default dev-web)
                       "web" (the bench products are sold in web and app)
  --help               this text

Environment:
  DATABASE_URL         PostgreSQL server for the bench database
                       (default postgres://postgres@127.0.0.1:5432/postgres)
  NATS_SERVER_BIN      nats-server binary (default: on PATH, else /usr/sbin/nats-server)
  BENCH_NODE_ARGS      extra node flags for the measured apps (gateway, catalog, bare app),
                       e.g. "--cpu-prof --cpu-prof-dir=/tmp/bench-prof" to profile them
  other variables      reach the apps unchanged, e.g. PRODUCT_CACHE_SIZE=0 measures reads
                       without the gateway's read cache (PORT, NATS_URL, DATABASE_URL,
                       NODE_ENV=development and LOG_LEVEL=warn are set by the bench)

Exit code: 0 when the figures were measured (whatever they are), 1 when the run could not be
measured (a platform that did not start, failed seeding, or requests that failed during the run).
`;

// ---------------------------------------------------------------------------------------------
// Options

function parseOptions(argv) {
  const opts = {
    duration: process.env.BENCH_DURATION ?? '20',
    connections: process.env.BENCH_CONNECTIONS ?? '50',
    products: process.env.BENCH_PRODUCTS ?? '200',
    gateway: process.env.BENCH_GATEWAY || undefined,
    key: process.env.BENCH_KEY || 'dev-admin',
    readKey: process.env.BENCH_READ_KEY || 'dev-web',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { help: true };
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const name = match?.[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!match || !(name in opts)) throw new Error(`unknown option "${arg}" (see --help)`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${match[1]} needs a value`);
    opts[name] = value;
  }
  const int = (name, min, max) => {
    const n = Number(opts[name]);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max} (got "${opts[name]}")`);
    return n;
  };
  const out = { duration: int('duration', 1, 3600), connections: int('connections', 1, 10_000), products: int('products', 1, 100_000), key: opts.key, readKey: opts.readKey, gateway: undefined };
  if (opts.gateway) {
    try {
      out.gateway = new URL(opts.gateway).origin;
    } catch {
      throw new Error(`--gateway must be a URL like http://127.0.0.1:3000 (got "${opts.gateway}")`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Processes we start, and stopping them whatever happens

const children = new Set();
const cleanups = [];
let cleaningUp;

function log(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Starts a child process; keeps the tail of its output to show when something goes wrong. */
function start(name, command, args, env = {}) {
  if (interrupted) throw new Error('interrupted');
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.label = name;
  child.output = '';
  const keep = (chunk) => {
    child.output = (child.output + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.exited = new Promise((done) => child.on('exit', (code, signal) => done({ code, signal })));
  child.on('error', (err) => keep(`\n${err.message}\n`));
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

/** Stops every process we started (apps first, nats-server last), then runs the other cleanups. */
function cleanup() {
  cleaningUp ??= (async () => {
    const all = [...children];
    await Promise.all(all.filter((c) => c.label !== 'nats-server').map(stop));
    await Promise.all(all.filter((c) => c.label === 'nats-server').map(stop));
    while (cleanups.length) {
      const fn = cleanups.pop();
      try {
        await fn();
      } catch (err) {
        log(`cleanup: ${err.message}`);
      }
    }
  })();
  return cleaningUp;
}

// Last resort (an unexpected crash): no process of ours may outlive this one.
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

let currentRun;
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted = true;
    log(`${signal}: stopping everything this run started…`);
    currentRun?.stop?.();
    void cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Extra node flags for the measured apps, e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
function nodeArgs() {
  return (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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

/** Polls until `check` resolves true; fails early when the process exits. */
async function waitFor(child, what, check) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`${child.label} exited (code ${child.exitCode ?? child.signalCode}) before ${what}; its last output:\n${child.output}`);
    }
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`${what}: not within ${READY_TIMEOUT_MS / 1000} s${child ? `; last output of ${child.label}:\n${child.output}` : ''}`);
}

function waitReady(child, port) {
  return waitFor(child, `${child.label} was ready (GET /health/ready = 200)`, async () => {
    const res = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
    return res.status === 200;
  });
}

function findNatsServer() {
  if (process.env.NATS_SERVER_BIN) return process.env.NATS_SERVER_BIN;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  if (existsSync('/usr/sbin/nats-server')) return '/usr/sbin/nats-server';
  throw new Error('nats-server not found: put it on PATH or set NATS_SERVER_BIN (or pass --gateway to use a running platform)');
}

async function buildIfMissing() {
  const missing = ['gateway', 'catalog', 'inventory', 'pricing'].filter((app) => !existsSync(join(ROOT, 'dist/apps', app, 'main.js')));
  if (!missing.length) return;
  log(`dist/apps/{${missing.join(',')}}/main.js missing: building gateway, catalog, inventory and pricing…`);
  const build = spawn('npx', ['nx', 'run-many', '-t', 'build', '--projects=gateway,catalog,inventory,pricing'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false' },
  });
  children.add(build);
  const code = await new Promise((done) => build.on('exit', (c) => done(c)));
  children.delete(build);
  if (code !== 0) throw new Error(`the build failed (exit code ${code})`);
}

/** Starts nats-server, a fresh database, the catalog and the gateway; returns the gateway URL. */
async function startPlatform() {
  await buildIfMissing();
  const natsBin = findNatsServer();
  const storeDir = mkdtempSync(join(os.tmpdir(), 'omnibus-bench-nats-'));
  cleanups.push(() => rmSync(storeDir, { recursive: true, force: true }));
  const natsPort = await freePort();
  const monitorPort = await freePort();
  const nats = start('nats-server', natsBin, ['-js', '-a', '127.0.0.1', '-p', String(natsPort), '-m', String(monitorPort), '-sd', storeDir]);
  await waitFor(nats, `nats-server listened on port ${natsPort}`, () => tcpOpen(natsPort));
  const natsUrl = `nats://127.0.0.1:${natsPort}`;

  const base = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
  const dbName = `omnibus_bench_${randomBytes(5).toString('hex')}`;
  const adminUrl = new URL(base);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
    await admin.query(`create database "${dbName}"`);
  } catch (err) {
    throw new Error(`could not create database ${dbName} on ${adminUrl.host}: ${err.message}`);
  } finally {
    await admin.end().catch(() => undefined);
  }
  cleanups.push(async () => {
    const client = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      await client.query(`drop database if exists "${dbName}" with (force)`);
    } finally {
      await client.end();
    }
  });
  const dbUrl = new URL(base);
  dbUrl.pathname = `/${dbName}`;
  // The inventory answers the availability block of product details; it creates its own database at start.
  const inventoryDbUrl = new URL(base);
  inventoryDbUrl.pathname = `/${dbName}_inventory`;
  cleanups.push(async () => {
    const client = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      await client.query(`drop database if exists "${dbName}_inventory" with (force)`);
    } finally {
      await client.end();
    }
  });
  // Pricing answers the price block of product details; it creates its own database at start too.
  const pricingDbUrl = new URL(base);
  pricingDbUrl.pathname = `/${dbName}_pricing`;
  cleanups.push(async () => {
    const client = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      await client.query(`drop database if exists "${dbName}_pricing" with (force)`);
    } finally {
      await client.end();
    }
  });
  log(`platform: nats-server on ${natsPort} (store ${storeDir}), database ${dbName}`);

  const [catalogPort, gatewayPort, inventoryPort, pricingPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const common = { NATS_URL: natsUrl, LOG_LEVEL: 'warn', NODE_ENV: 'development' };
  const catalog = start('catalog', process.execPath, [...nodeArgs(), 'dist/apps/catalog/main.js'], { ...common, PORT: String(catalogPort), DATABASE_URL: dbUrl.toString() });
  const inventory = start('inventory', process.execPath, [...nodeArgs(), 'dist/apps/inventory/main.js'], { ...common, PORT: String(inventoryPort), DATABASE_URL: inventoryDbUrl.toString() });
  const pricing = start('pricing', process.execPath, [...nodeArgs(), 'dist/apps/pricing/main.js'], { ...common, PORT: String(pricingPort), DATABASE_URL: pricingDbUrl.toString() });
  const gateway = start('gateway', process.execPath, [...nodeArgs(), 'dist/apps/gateway/main.js'], { ...common, PORT: String(gatewayPort) });
  await Promise.all([waitReady(catalog, catalogPort), waitReady(inventory, inventoryPort), waitReady(pricing, pricingPort), waitReady(gateway, gatewayPort)]);
  log(`platform: catalog on ${catalogPort}, gateway on ${gatewayPort}: ready`);
  return {
    url: `http://127.0.0.1:${gatewayPort}`,
    processes: { gateway, catalog, inventory, pricing, 'nats-server': nats },
    /** NATS messages in so far and transactions in the bench database: cache misses show up here. */
    async counters() {
      const varz = await fetch(`http://127.0.0.1:${monitorPort}/varz`, { signal: AbortSignal.timeout(3000) }).then((r) => r.json());
      const client = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        const { rows } = await client.query('select xact_commit + xact_rollback as xacts from pg_stat_database where datname = $1', [dbName]);
        return { natsMsgs: varz.in_msgs, dbXacts: Number(rows[0]?.xacts ?? 0) };
      } finally {
        await client.end();
      }
    },
  };
}

const CLOCK_TICKS = 100; // USER_HZ: /proc times are in 1/100 s on Linux

/** CPU seconds a process used so far (Linux /proc; undefined elsewhere). */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Samples CPU use of our processes (and of this one, the load generator) around a measured run. */
function cpuMeter(processes) {
  const self = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const before = Object.fromEntries(Object.entries(processes).map(([name, child]) => [name, cpuSeconds(child.pid)]));
  const machineBusy = () => os.cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0) / 1000;
  const selfBefore = self();
  const busyBefore = machineBusy();
  const started = process.hrtime.bigint();
  return () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const share = {};
    for (const [name, child] of Object.entries(processes)) {
      const now = cpuSeconds(child.pid);
      if (now !== undefined && before[name] !== undefined) share[name] = (now - before[name]) / seconds;
    }
    share['load generator (autocannon)'] = (self() - selfBefore) / seconds;
    // Everything else the machine did meanwhile: other people's tests make the figures noisy.
    const ours = Object.values(share).reduce((a, b) => a + b, 0);
    const othersLabel = Object.keys(processes).length ? 'other processes' : 'other processes (the app measured included)';
    share[othersLabel] = Math.max(0, (machineBusy() - busyBefore) / seconds - ours);
    return share;
  };
}

// ---------------------------------------------------------------------------------------------
// Seeding

function productBody(prefix, i) {
  return {
    slug: `bench-${prefix}-${i}`,
    name: { en: `Bench product ${i}`, de: `Testprodukt ${i}` },
    description: {
      en: `Bench product ${i}: a soft, breathable everyday shirt in organic cotton with a relaxed fit, reinforced seams and a ribbed collar that keeps its shape wash after wash. Cut long enough to tuck in, short enough to wear open; pre-shrunk, dyed without heavy metals, and sewn in Portugal.`,
    },
    status: 'active',
    channels: ['web', 'app'],
    categories: ['bench'],
    attributes: { material: 'cotton', weight: { value: 250, unit: 'g' } },
    media: [{ url: `https://images.example.com/p/${prefix}-${i}.jpg`, alt: `Bench ${i}`, kind: 'image' }],
    variants: [{ sku: `BENCH-${prefix}-${i}-S` }, { sku: `BENCH-${prefix}-${i}-M` }],
  };
}

async function seed(gateway, key, count) {
  const prefix = randomBytes(4).toString('hex');
  const ids = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const res = await fetch(`${gateway}/v1/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify(productBody(prefix, i)),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`POST /v1/products answered ${res.status}: ${text.slice(0, 500)}`);
      ids[i] = JSON.parse(text).id;
      if (!ids[i]) throw new Error(`POST /v1/products answered 201 without an id: ${text.slice(0, 500)}`);
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: Math.min(8, count) }, worker));
  log(`seeded ${count} products (run prefix ${prefix}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { ids, prefix };
}

/** A price list with a price for every bench SKU, so product details carry a resolved price block. */
async function seedPrices(gateway, key, prefix, count) {
  const headers = { 'content-type': 'application/json', 'x-api-key': key };
  const list = await fetch(`${gateway}/v1/price-lists`, { method: 'POST', headers, body: JSON.stringify({ name: `Bench ${prefix}` }), signal: AbortSignal.timeout(15_000) });
  const listText = await list.text();
  if (list.status !== 201) {
    log(`no prices seeded (POST /v1/price-lists answered ${list.status}): product details will have no price block`);
    return;
  }
  const prices = [];
  for (let i = 0; i < count; i++) for (const size of ['S', 'M']) prices.push({ sku: `BENCH-${prefix}-${i}-${size}`, amount: 1990 + i, currency: 'EUR' });
  const res = await fetch(`${gateway}/v1/price-lists/${JSON.parse(listText).id}/prices/bulk`, { method: 'POST', headers, body: JSON.stringify({ prices }), signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`seeding prices answered ${res.status}: ${text.slice(0, 300)}`);
  log(`seeded ${prices.length} prices`);
}

/** On a shared gateway, takes the bench products out of every channel again (best effort). */
async function archive(gateway, key, ids) {
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++];
      const res = await fetch(`${gateway}/v1/products/${id}/archive`, { method: 'POST', headers: { 'x-api-key': key }, signal: AbortSignal.timeout(15_000) }).catch(() => undefined);
      await res?.arrayBuffer();
      if (res?.status !== 200) failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, ids.length) }, worker));
  log(`archived the ${ids.length - failed} bench products on the shared gateway${failed ? ` (${failed} could not be archived)` : ''}`);
}

// ---------------------------------------------------------------------------------------------
// Measuring

function runAutocannon(opts) {
  currentRun = autocannon(opts);
  return Promise.resolve(currentRun).then((result) => {
    currentRun = undefined;
    if (interrupted) throw new Error('interrupted');
    return result;
  });
}

/** Warm-up, then the measured run; both rotate through `paths`. */
async function measure(label, origin, paths, headers, { duration, connections }, watch = {}) {
  let i = 0;
  const settings = {
    url: origin,
    connections,
    headers,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }],
  };
  log(`${label}: warm-up ${WARMUP_SECONDS} s…`);
  await runAutocannon({ ...settings, duration: WARMUP_SECONDS });
  log(`${label}: measuring ${duration} s with ${connections} connections…`);
  const countersBefore = await watch.counters?.().catch(() => undefined);
  const cpu = cpuMeter(watch.processes ?? {});
  const r = await runAutocannon({ ...settings, duration });
  const cpuShare = cpu();
  const countersAfter = countersBefore && (await watch.counters().catch(() => undefined));
  return {
    cpuShare,
    natsMsgs: countersAfter && countersAfter.natsMsgs - countersBefore.natsMsgs,
    dbXacts: countersAfter && countersAfter.dbXacts - countersBefore.dbXacts,
    label,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    bytesPerReq: r.requests.total ? r.throughput.total / r.requests.total : 0,
  };
}

/** The bare NestJS + Fastify app, measured alone, then stopped. */
async function measureBare(options) {
  const port = await freePort();
  const bare = start('bare-nest', process.execPath, [...nodeArgs(), join(ROOT, 'tools/bench/bare-nest.mjs')], { PORT: String(port) });
  try {
    await waitReady(bare, port);
    const paths = Array.from({ length: 200 }, (_, i) => `/v1/products/prd_bare${String(i).padStart(18, '0')}`);
    return await measure('bare NestJS + Fastify', `http://127.0.0.1:${port}`, paths, {}, options, { processes: { 'bare-nest': bare } });
  } finally {
    await stop(bare);
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
/** autocannon records latency in whole milliseconds; show decimals only when there are some. */
const ms = (n) => `${fmt(n, Number.isInteger(n) ? 0 : 1)} ms`;

function report(results, options, facts) {
  const [gateway, bare] = results;
  const ratio = gateway.rps / bare.rps;
  const rows = results.map((r) => [r.label, fmt(r.rps), ms(r.p50), ms(r.p99), fmt(r.non2xx + r.errors + r.timeouts)]);
  const header = ['shape', 'req/s', 'p50', 'p99', 'non-2xx/errors'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const out = [];
  out.push('');
  out.push(`GET /v1/products/{id}: ${options.connections} connections, ${options.duration} s after a ${WARMUP_SECONDS} s warm-up, round-robin over ${options.products} products`);
  out.push(`machine: ${facts.cpus} × ${facts.model}, Node ${facts.node}, ${facts.platform}, load average before the run ${facts.load}, ${facts.date}`);
  out.push('');
  out.push(line(header));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) out.push(line(row));
  out.push('');
  out.push(`ratio gateway / bare NestJS: ${fmt(ratio * 100, 1)} % of the requests per second`);
  for (const r of results) {
    const cpu = Object.entries(r.cpuShare ?? {}).map(([name, share]) => `${name} ${fmt(share * 100)} %`).join(', ');
    if (cpu) out.push(`CPU during the ${r.label} run (100 % = one core): ${cpu}`);
  }
  if (gateway.natsMsgs !== undefined) {
    out.push(
      `during the gateway run: ${fmt(gateway.natsMsgs)} NATS messages and ${fmt(gateway.dbXacts)} database transactions (background work included) for ${fmt(gateway.total)} requests` +
        ` (${gateway.natsMsgs > gateway.total / 10 ? 'reads are reaching NATS: the read cache is not serving them' : 'reads are served from the gateway read cache'})`,
    );
  }
  out.push(`response size: gateway ~${fmt(gateway.bytesPerReq)} B, bare ~${fmt(bare.bytesPerReq)} B per response (with headers)`);
  const others = Math.max(...results.map((r) => r.cpuShare?.['other processes'] ?? 0));
  if (others > 0.25) out.push(`NOTE: other processes used up to ${fmt(others * 100)} % of a core during the runs: these figures are noisy, measure again on a quiet machine`);
  const failed = results.filter((r) => r.non2xx || r.errors || r.timeouts || !r.total);
  const met = gateway.rps >= TARGET.rps && gateway.p99 < TARGET.p99;
  out.push(`target (≥ ${fmt(TARGET.rps)} req/s and p99 < ${TARGET.p99} ms): ${failed.length ? 'not judged, requests failed' : met ? 'met' : 'MISSED'}`);
  out.push('');
  const otherCpu = (r) => {
    const entry = Object.entries(r.cpuShare ?? {}).find(([name]) => name.startsWith('other processes'));
    return entry ? `${fmt(entry[1] * 100)} %` : '?';
  };
  out.push('Markdown row for docs/performance.md (date | machine | Node | gateway req/s | p50 | p99 | bare NestJS req/s | gateway/bare | non-2xx | other CPU, gateway / bare run):');
  out.push(
    `| ${facts.date.slice(0, 16).replace('T', ' ')} UTC | ${facts.cpus} × ${facts.model} | ${facts.node} | ${fmt(gateway.rps)} | ${ms(gateway.p50)} | ${ms(gateway.p99)} | ${fmt(bare.rps)} | ${fmt(ratio * 100, 0)} % | ${fmt(gateway.non2xx + gateway.errors + gateway.timeouts)} | ${otherCpu(gateway)} / ${otherCpu(bare)} |`,
  );
  out.push('');
  process.stdout.write(out.join('\n') + '\n');

  for (const r of failed) {
    process.stdout.write(
      `\n!!! ${r.label}: ${fmt(r.non2xx)} non-2xx responses, ${fmt(r.errors)} errors, ${fmt(r.timeouts)} timeouts out of ${fmt(r.total)} requests.\n` +
        '!!! THESE FIGURES ARE NOT VALID: failing requests are often much faster or slower than real ones.\n',
    );
  }
  return failed.length === 0;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench:products: ${err.message}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const cpus = os.cpus();
  const facts = {
    cpus: cpus.length,
    model: (cpus[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim(),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    load: os.loadavg().map((n) => n.toFixed(2)).join(' '),
    date: new Date().toISOString(),
  };

  try {
    const platform = options.gateway ? { url: options.gateway } : await startPlatform();
    const gateway = platform.url;
    if (options.gateway) log(`using the running gateway at ${gateway}`);
    const { ids, prefix } = await seed(gateway, options.key, options.products);
    await seedPrices(gateway, options.key, prefix, options.products);
    const readHeaders = { 'x-api-key': options.readKey };
    const probe = await fetch(`${gateway}/v1/products/${ids[0]}`, { headers: readHeaders, signal: AbortSignal.timeout(10_000) });
    const probeText = await probe.text();
    if (probe.status !== 200) throw new Error(`GET /v1/products/${ids[0]} with the read key answered ${probe.status}: ${probeText.slice(0, 300)}`);
    const probePrice = JSON.parse(probeText).price;
    log(`probe: price block ${probePrice?.variants?.[0]?.amount != null ? `present (${probePrice.variants[0].amount} ${probePrice.currency})` : 'MISSING (pricing not running or no price): the price path is not measured'}`);

    const paths = ids.map((id) => `/v1/products/${id}`);
    const gatewayResult = await measure('gateway (Omnibus)', gateway, paths, readHeaders, options, platform);
    if (options.gateway) await archive(gateway, options.key, ids);
    // Stop our own platform before the baseline, so idle apps do not share the 2 cores with it.
    await cleanup();
    cleaningUp = undefined;
    const bareResult = await measureBare(options);
    return report([gatewayResult, bareResult], options, facts) ? 0 : 1;
  } catch (err) {
    const cause = err.cause ? ` (${err.cause.message ?? err.cause})` : '';
    process.stderr.write(`\nbench:products could not run: ${err.message}${cause}\n`);
    return 1;
  } finally {
    await cleanup();
  }
}

process.exitCode = await main();

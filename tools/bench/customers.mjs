#!/usr/bin/env node
// node tools/bench/customers.mjs: a logged-in customer's profile (GET /v1/me: token verified at the
// gateway, one NATS hop, the customers service's reads) and logins (scrypt-bound by design), next to a
// bare NestJS + Fastify baseline measured in the same run. See docs/performance.md ("Customers").
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
const PASSWORD = 'bench-password-1';

const HELP = `Usage: node tools/bench/customers.mjs [options]

Starts its own platform (private nats-server on a free port, a fresh PostgreSQL database for the
customers service, dropped at the end, and the built customers and gateway from dist/), signs up N
customers (each with two addresses and a consent), then measures with autocannon, after a
${WARMUP_SECONDS} s warm-up each:

  1. GET /v1/me with a customer token (key dev-web), round-robin over the customers
  2. POST /v1/customers/login (scrypt N=2^14, r=8, p=5 per attempt: slow on purpose), with
     --login-connections connections
  3. a bare NestJS + Fastify app returning ~1 KB of JSON (tools/bench/bare-nest.mjs)

Options (flag, or environment variable):
  --duration <s>             seconds measured per shape    BENCH_DURATION           (default 15)
  --connections <n>          connections for GET /v1/me    BENCH_CONNECTIONS        (default 50)
  --login-connections <n>    connections for the logins    BENCH_LOGIN_CONNECTIONS  (default 4)
  --customers <n>            customers signed up           BENCH_CUSTOMERS          (default 100)
  --help                     this text

Environment: DATABASE_URL (PostgreSQL server, default postgres://postgres@127.0.0.1:5432/postgres),
NATS_SERVER_BIN (default: on PATH, else /usr/sbin/nats-server). Build first: npx nx run-many -t build
--projects=gateway,customers. Exit code 0 when measured, 1 when the run could not be measured.
`;

function parseOptions(argv) {
  const opts = {
    duration: process.env.BENCH_DURATION ?? '15',
    connections: process.env.BENCH_CONNECTIONS ?? '50',
    loginConnections: process.env.BENCH_LOGIN_CONNECTIONS ?? '4',
    customers: process.env.BENCH_CUSTOMERS ?? '100',
  };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help' || argv[i] === '-h') return { help: true };
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    const name = match?.[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!match || !(name in opts)) throw new Error(`unknown option "${argv[i]}" (see --help)`);
    opts[name] = match[2] ?? argv[++i];
  }
  const int = (name, min, max) => {
    const n = Number(opts[name]);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  return { duration: int('duration', 1, 3600), connections: int('connections', 1, 10_000), loginConnections: int('loginConnections', 1, 1000), customers: int('customers', 1, 10_000) };
}

// ---------------------------------------------------------------------------------------------
// Processes we start, stopped whatever happens

const children = new Set();
const cleanups = [];
const log = (message) => process.stderr.write(`[bench] ${message}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function start(name, command, args, env = {}) {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.label = name;
  child.output = '';
  const keep = (chunk) => (child.output = (child.output + chunk.toString()).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.exited = new Promise((done) => child.on('exit', () => done()));
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

async function cleanup() {
  const all = [...children];
  await Promise.all(all.filter((c) => c.label !== 'nats-server').map(stop));
  await Promise.all(all.filter((c) => c.label === 'nats-server').map(stop));
  while (cleanups.length) await cleanups.pop()().catch((err) => log(`cleanup: ${err.message}`));
}
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void cleanup().finally(() => process.exit(130)));

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

async function waitReady(child, port) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${child.label} exited before it was ready:\n${child.output}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(3000) })
      .then(async (r) => (await r.arrayBuffer(), r.status === 200))
      .catch(() => false);
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`${child.label} not ready within ${READY_TIMEOUT_MS / 1000} s:\n${child.output}`);
}

function natsServerBinary() {
  if (process.env.NATS_SERVER_BIN) return process.env.NATS_SERVER_BIN;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  if (existsSync('/usr/sbin/nats-server')) return '/usr/sbin/nats-server';
  throw new Error('nats-server not found: put it on PATH or set NATS_SERVER_BIN');
}

async function createDatabase(base, name) {
  const admin = new URL(base);
  admin.pathname = '/postgres';
  const run = async (sql) => {
    const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`create database "${name}"`);
  cleanups.push(() => run(`drop database if exists "${name}" with (force)`));
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function startPlatform() {
  for (const app of ['gateway', 'customers']) {
    if (!existsSync(join(ROOT, 'dist/apps', app, 'main.js'))) throw new Error(`dist/apps/${app}/main.js is missing: npx nx run-many -t build --projects=gateway,customers`);
  }
  const storeDir = mkdtempSync(join(os.tmpdir(), 'omnibus-bench-nats-'));
  cleanups.push(async () => rmSync(storeDir, { recursive: true, force: true }));
  const natsPort = await freePort();
  const nats = start('nats-server', natsServerBinary(), ['-js', '-a', '127.0.0.1', '-p', String(natsPort), '-sd', storeDir]);
  for (let i = 0; i < 100 && !(await tcpOpen(natsPort)); i++) await sleep(100);
  const base = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const secret = randomBytes(24).toString('hex');
  const common = { NATS_URL: `nats://127.0.0.1:${natsPort}`, LOG_LEVEL: 'warn', NODE_ENV: 'development', CUSTOMER_TOKEN_SECRET: secret };
  const ports = { customers: await freePort(), gateway: await freePort() };
  const databaseUrl = await createDatabase(base, `omnibus_bench_customers_${randomBytes(4).toString('hex')}`);
  // A lock would turn the login shape into 429s: the bench logs in with the right password only, but stays clear of it.
  const customers = start('customers', process.execPath, ['dist/apps/customers/main.js'], { ...common, PORT: String(ports.customers), DATABASE_URL: databaseUrl, LOGIN_MAX_FAILURES: '1000' });
  await waitReady(customers, ports.customers);
  const gateway = start('gateway', process.execPath, ['dist/apps/gateway/main.js'], { ...common, PORT: String(ports.gateway) });
  await waitReady(gateway, ports.gateway);
  log(`platform ready: gateway on ${ports.gateway}`);
  return { url: `http://127.0.0.1:${ports.gateway}`, processes: { gateway, customers, 'nats-server': nats } };
}

// ---------------------------------------------------------------------------------------------
// Seeding

async function call(gateway, method, path, body, headers = {}) {
  const res = await fetch(`${gateway}${path}`, {
    method,
    headers: { 'x-api-key': 'dev-web', ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 400)}`);
  return JSON.parse(text);
}

async function seed(gateway, count) {
  const run = randomBytes(3).toString('hex');
  const customers = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const email = `bench.${run}.${i}@example.com`;
      const session = await call(gateway, 'POST', '/v1/customers/sign-up', { email, password: PASSWORD, firstName: `Bench ${i}`, consents: [{ purpose: 'email-marketing', granted: true }] });
      const auth = { authorization: `Bearer ${session.token}` };
      for (const kind of ['shipping', 'billing']) await call(gateway, 'POST', '/v1/me/addresses', { kind, line1: `Bench street ${i}`, postalCode: '10115', city: 'Berlin', country: 'DE' }, auth);
      customers[i] = { email, token: session.token };
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: Math.min(4, count) }, worker));
  log(`signed up ${count} customers in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return customers;
}

// ---------------------------------------------------------------------------------------------
// Measuring

const CLOCK_TICKS = 100; // USER_HZ: /proc times are in 1/100 s on Linux

/** CPU seconds a process used so far (Linux /proc). */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Warm-up, then the measured run; `next()` gives each request's method, path, headers and body. */
async function measure(label, origin, next, { duration, connections }, processes = {}) {
  const settings = { url: origin, connections, requests: [{ setupRequest: (req) => ({ ...req, ...next(req) }) }] };
  log(`${label}: warm-up ${WARMUP_SECONDS} s, then ${duration} s with ${connections} connections…`);
  await autocannon({ ...settings, duration: WARMUP_SECONDS });
  const before = Object.fromEntries(Object.entries(processes).map(([name, c]) => [name, cpuSeconds(c.pid)]));
  const busy = () => os.cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0) / 1000;
  const busyBefore = busy();
  const started = Date.now();
  const r = await autocannon({ ...settings, duration });
  const seconds = (Date.now() - started) / 1000;
  const cpu = {};
  for (const [name, c] of Object.entries(processes)) cpu[name] = (cpuSeconds(c.pid) - before[name]) / seconds;
  const machine = (busy() - busyBefore) / seconds;
  return { label, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total, failed: r.non2xx + r.errors + r.timeouts, cpu, machine };
}

async function measureBare(options) {
  const port = await freePort();
  const bare = start('bare-nest', process.execPath, [join(ROOT, 'tools/bench/bare-nest.mjs')], { PORT: String(port) });
  try {
    await waitReady(bare, port);
    let i = 0;
    const next = () => ({ method: 'GET', path: `/v1/products/prd_bare${String(i++ % 200).padStart(18, '0')}` });
    return await measure('bare NestJS + Fastify', `http://127.0.0.1:${port}`, next, options, { 'bare-nest': bare });
  } finally {
    await stop(bare);
  }
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`customers bench: ${err.message}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const facts = { cpus: os.cpus().length, node: process.version, load: os.loadavg().map((n) => n.toFixed(1)).join(' '), date: new Date().toISOString() };
  try {
    const platform = await startPlatform();
    const customers = await seed(platform.url, options.customers);
    const probe = await call(platform.url, 'GET', '/v1/me', undefined, { authorization: `Bearer ${customers[0].token}` });
    if (probe.addresses?.length !== 2) throw new Error(`unexpected profile: ${JSON.stringify(probe).slice(0, 400)}`);

    let m = 0;
    const me = await measure(
      'GET /v1/me (customer token)',
      platform.url,
      () => ({ method: 'GET', path: '/v1/me', headers: { 'x-api-key': 'dev-web', authorization: `Bearer ${customers[m++ % customers.length].token}` } }),
      options,
      platform.processes,
    );
    let l = 0;
    const login = await measure(
      'POST /v1/customers/login',
      platform.url,
      () => ({ method: 'POST', path: '/v1/customers/login', headers: { 'x-api-key': 'dev-web', 'content-type': 'application/json' }, body: JSON.stringify({ email: customers[l++ % customers.length].email, password: PASSWORD }) }),
      { ...options, connections: options.loginConnections },
      platform.processes,
    );
    await cleanup();
    const bare = await measureBare(options);
    const results = [me, login, bare];
    const out = ['', `customers: ${options.duration} s per shape after ${WARMUP_SECONDS} s warm-up, ${options.customers} customers; ${facts.cpus} cores, Node ${facts.node}, load average before ${facts.load}, ${facts.date}`, ''];
    out.push('| shape | connections | req/s | p50 | p99 | failed | % of bare | CPU (100 % = one core) | machine busy |');
    out.push('|---|---|---|---|---|---|---|---|---|');
    for (const r of results) {
      const cpu = Object.entries(r.cpu).filter(([name]) => name !== 'nats-server' || r.cpu[name] > 0.01).map(([name, share]) => `${name} ${fmt(share * 100)} %`).join(', ');
      const connections = r === login ? options.loginConnections : options.connections;
      out.push(`| ${r.label} | ${connections} | ${fmt(r.rps)} | ${r.p50} ms | ${r.p99} ms | ${r.failed} | ${fmt((r.rps / bare.rps) * 100)} % | ${cpu} | ${fmt(r.machine * 100)} % of ${facts.cpus * 100} % |`);
    }
    out.push('');
    process.stdout.write(out.join('\n') + '\n');
    if (results.some((r) => r.failed || !r.total)) {
      process.stdout.write('!!! some requests failed: these figures are not valid\n');
      return 1;
    }
    return 0;
  } catch (err) {
    process.stderr.write(`\ncustomers bench could not run: ${err.message}\n`);
    return 1;
  } finally {
    await cleanup();
  }
}

process.exitCode = await main();

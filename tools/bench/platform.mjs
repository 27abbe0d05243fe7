// What every benchmark needs: a private platform (nats-server on a free port, fresh PostgreSQL
// databases, the built apps), stopped whatever happens; CPU readings per process; autocannon runs;
// the bare NestJS yardstick. Used by the benchmark scripts beside it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import os from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const READY_TIMEOUT_MS = 60_000;

const children = new Set();
const cleanups = [];
let cleaningUp;
let currentRun;
let interrupted = false;

/** True once SIGINT or SIGTERM arrived: loops of a bench stop sending work. */
export const wasInterrupted = () => interrupted;
export const log = (message) => process.stderr.write(`[bench] ${message}\n`);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function start(name, command, args, env = {}) {
  if (interrupted) throw new Error('interrupted');
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.label = name;
  child.output = '';
  const keep = (chunk) => (child.output = (child.output + chunk.toString()).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.exited = new Promise((done) => child.on('exit', (code, signal) => done({ code, signal })));
  child.on('error', (err) => keep(`\n${err.message}\n`));
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

export async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
  await child.exited;
  clearTimeout(timer);
}

/** Stops every process this run started (NATS last) and drops its databases; safe to call twice. */
export function cleanup() {
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
  const done = cleaningUp;
  void done.then(() => (cleaningUp = undefined));
  return done;
}

export function onCleanup(fn) {
  cleanups.push(fn);
}

process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted = true;
    log(`${signal}: stopping everything this run started…`);
    currentRun?.stop?.();
    void cleanup().finally(() => process.exit(130));
  });
}

/** Extra node flags for the apps, from BENCH_NODE_ARGS (e.g. --cpu-prof). */
export const nodeArgs = () => (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

export function freePort() {
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

/** Polls `check` until true; fails early when `child` exits, with its last output. */
export async function waitFor(child, what, check, timeoutMs = READY_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`${child.label} exited (code ${child.exitCode ?? child.signalCode}) before ${what}; its last output:\n${child.output}`);
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s${child ? `; last output of ${child.label}:\n${child.output}` : ''}`);
}

export const waitReady = (child, port, timeoutMs = READY_TIMEOUT_MS) =>
  waitFor(
    child,
    `${child.label} was ready`,
    async () => {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer();
      return res.status === 200;
    },
    timeoutMs,
  );

function findNatsServer() {
  if (process.env.NATS_SERVER_BIN) return process.env.NATS_SERVER_BIN;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  if (existsSync('/usr/sbin/nats-server')) return '/usr/sbin/nats-server';
  throw new Error('nats-server not found: put it on PATH or set NATS_SERVER_BIN');
}

async function buildIfMissing(apps, mayBuild) {
  const missing = apps.filter((app) => !existsSync(join(ROOT, 'dist/apps', app, 'main.js')));
  if (!missing.length) return;
  if (!mayBuild) throw new Error(`dist/apps/{${missing.join(',')}}/main.js missing: build first (npx nx run-many -t build --projects=${apps.join(',')})`);
  log(`dist/apps/{${missing.join(',')}}/main.js missing: building ${apps.join(', ')}…`);
  const build = spawn('npx', ['nx', 'run-many', '-t', 'build', `--projects=${apps.join(',')}`], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false' } });
  children.add(build);
  const code = await new Promise((done) => build.on('exit', (c) => done(c)));
  children.delete(build);
  if (code !== 0) throw new Error(`the build failed (exit code ${code})`);
}

async function createDatabase(adminUrl, name) {
  const admin = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
    await admin.query(`create database "${name}"`);
  } catch (err) {
    throw new Error(`could not create database ${name} on ${adminUrl.host}: ${err.message}`);
  } finally {
    await admin.end().catch(() => undefined);
  }
  cleanups.push(async () => {
    const client = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      await client.query(`drop database if exists "${name}" with (force)`);
    } finally {
      await client.end();
    }
  });
}

/**
 * Starts nats-server, a fresh database per service in `services`, the services (together), then the
 * gateway. `env` gives extra environment per app. Returns the gateway URL, the processes, a pg pool
 * per service database, the run id (unique names for what the bench creates) and nats-server's
 * monitoring URL (`/varz` counts messages). Missing builds are built unless `build` is false; each app
 * has `readyTimeoutMs` to answer /health/ready.
 */
export async function startPlatform(services, env = {}, { build = true, readyTimeoutMs = READY_TIMEOUT_MS } = {}) {
  await buildIfMissing([...services, 'gateway'], build);
  const storeDir = mkdtempSync(join(os.tmpdir(), 'omnibus-bench-nats-'));
  cleanups.push(() => rmSync(storeDir, { recursive: true, force: true }));
  const natsPort = await freePort();
  const monitorPort = await freePort();
  const nats = start('nats-server', findNatsServer(), ['-js', '-a', '127.0.0.1', '-p', String(natsPort), '-m', String(monitorPort), '-sd', storeDir]);
  await waitFor(nats, `nats-server listened on port ${natsPort}`, () => tcpOpen(natsPort));

  const base = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
  const adminUrl = new URL(base);
  adminUrl.pathname = '/postgres';
  const run = randomBytes(4).toString('hex');
  const dbUrls = {};
  for (const service of services) {
    const name = `omnibus_bench_${service}_${run}`;
    await createDatabase(adminUrl, name);
    const url = new URL(base);
    url.pathname = `/${name}`;
    dbUrls[service] = url.toString();
  }
  log(`platform: nats-server on ${natsPort}, databases omnibus_bench_{${services.join(',')}}_${run}`);

  const common = { NATS_URL: `nats://127.0.0.1:${natsPort}`, LOG_LEVEL: 'warn', NODE_ENV: 'development' };
  const ports = {};
  const processes = {};
  for (const service of services) {
    ports[service] = await freePort();
    processes[service] = start(service, process.execPath, [...nodeArgs(), `dist/apps/${service}/main.js`], { ...common, PORT: String(ports[service]), DATABASE_URL: dbUrls[service], ...env[service] });
  }
  await Promise.all(services.map((s) => waitReady(processes[s], ports[s], readyTimeoutMs)));
  ports.gateway = await freePort();
  processes.gateway = start('gateway', process.execPath, [...nodeArgs(), 'dist/apps/gateway/main.js'], { ...common, PORT: String(ports.gateway), ...env.gateway });
  await waitReady(processes.gateway, ports.gateway, readyTimeoutMs);
  processes['nats-server'] = nats;
  log(`platform: ${Object.entries(ports).map(([name, port]) => `${name} on ${port}`).join(', ')}: ready`);
  const databases = {};
  for (const service of services) {
    databases[service] = new pg.Pool({ connectionString: dbUrls[service], max: 2 });
    const pool = databases[service];
    cleanups.push(() => pool.end());
  }
  return { url: `http://127.0.0.1:${ports.gateway}`, processes, databases, run, natsMonitorUrl: `http://127.0.0.1:${monitorPort}` };
}

/**
 * The work counters of a platform: NATS messages so far, and per service database the transactions
 * and rows written. Take one reading before and one after a run; pg_stat_database lags by up to half
 * a second, so wait a second after the run.
 */
export async function workCounters(platform) {
  const varz = await fetch(`${platform.natsMonitorUrl}/varz`, { signal: AbortSignal.timeout(3000) }).then((r) => r.json());
  const databases = {};
  for (const [service, pool] of Object.entries(platform.databases)) {
    const { rows } = await pool.query('select xact_commit + xact_rollback as xacts, tup_inserted + tup_updated + tup_deleted as writes from pg_stat_database where datname = current_database()');
    databases[service] = { xacts: Number(rows[0].xacts), writes: Number(rows[0].writes) };
  }
  return { natsMsgs: varz.in_msgs, databases };
}

/** One request to the gateway; the body parsed when it is JSON. */
export async function api(gateway, method, path, body, key = 'dev-admin', headers = {}) {
  const res = await fetch(`${gateway}${path}`, {
    method,
    headers: { 'x-api-key': key, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

// ---------------------------------------------------------------------------------------------
// CPU per process

const CLOCK_TICKS = 100;
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

function cpuOf(entry) {
  return new Map((Array.isArray(entry) ? entry : [entry.pid]).map((pid) => [pid, cpuSeconds(pid)]));
}

function cpuUsed(before, after) {
  let used = 0;
  for (const [pid, t] of after) if (t !== undefined && before.get(pid) !== undefined) used += t - before.get(pid);
  return used;
}

/** The PostgreSQL backends serving this run's databases (to count their CPU). */
export async function postgresPids(pool, run) {
  const { rows } = await pool.query("select array_agg(pid) as pids from pg_stat_activity where datname like 'omnibus_bench_%' || $1", [run]);
  return rows[0].pids ?? [];
}

/**
 * Starts measuring CPU of `processes` (children, or arrays of pids); the returned function gives each
 * one's share of a core since, plus the load generator and every other process on the machine (under
 * the names in `labels`).
 */
export function cpuMeter(processes, labels = {}) {
  const { generator = 'load generator', others = 'other processes' } = labels;
  const self = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const before = Object.fromEntries(Object.entries(processes).map(([name, child]) => [name, cpuOf(child)]));
  const machineBusy = () => os.cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0) / 1000;
  const selfBefore = self();
  const busyBefore = machineBusy();
  const started = process.hrtime.bigint();
  return () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const share = {};
    for (const [name, child] of Object.entries(processes)) share[name] = cpuUsed(before[name], cpuOf(child)) / seconds;
    share[generator] = (self() - selfBefore) / seconds;
    const ours = Object.values(share).reduce((a, b) => a + b, 0);
    share[others] = Math.max(0, (machineBusy() - busyBefore) / seconds - ours);
    return share;
  };
}

export function runAutocannon(opts) {
  currentRun = autocannon(opts);
  return Promise.resolve(currentRun).then((result) => {
    currentRun = undefined;
    if (interrupted) throw new Error('interrupted');
    return result;
  });
}

/**
 * A warm-up of `warmup` s with autocannon `settings`, then the measured run of `duration` s, with the CPU
 * of `processes` read around it (`cpuLabels` as for cpuMeter) and `counters()`, when given, read before
 * and after. Returns the measured run's figures; `cpuOfProcesses` holds the shares of `processes` only
 * and `machineBusy` what the whole machine used (100 % = one core).
 */
export async function warmUpAndMeasure(label, settings, { warmup, duration, processes = {}, cpuLabels, counters }) {
  log(`${label}: warm-up ${warmup} s…`);
  await runAutocannon({ ...settings, duration: warmup });
  log(`${label}: measuring ${duration} s with ${settings.connections} connections…`);
  const countersBefore = await counters?.().catch(() => undefined);
  const cpu = cpuMeter(processes, cpuLabels);
  const r = await runAutocannon({ ...settings, duration });
  const cpuShare = cpu();
  const countersAfter = countersBefore && (await counters().catch(() => undefined));
  return {
    label,
    cpuShare,
    cpuOfProcesses: Object.fromEntries(Object.keys(processes).map((name) => [name, cpuShare[name]])),
    machineBusy: Object.values(cpuShare).reduce((a, b) => a + b, 0),
    countersBefore,
    countersAfter,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    failed: r.non2xx + r.errors + r.timeouts,
    bytesPerReq: r.requests.total ? r.throughput.total / r.requests.total : 0,
  };
}

/** The path of the `i`-th of the 200 products the bare app answers, read in turn. */
export const barePath = (i) => `/v1/products/prd_bare${String(i % 200).padStart(18, '0')}`;

/**
 * Starts the bare NestJS + Fastify app of bench:products (GET, ~1 KB from memory) on a free port (with
 * BENCH_NODE_ARGS when `withNodeArgs`), runs `measure(url, child)`, stops the app and returns the result.
 */
export async function withBare(measure, { withNodeArgs = false } = {}) {
  const port = await freePort();
  const bare = start('bare-nest', process.execPath, [...(withNodeArgs ? nodeArgs() : []), join(ROOT, 'tools/bench/bare-nest.mjs')], { PORT: String(port) });
  try {
    await waitReady(bare, port);
    return await measure(`http://127.0.0.1:${port}`, bare);
  } finally {
    await stop(bare);
  }
}

/** The bare app measured without warm-up: how fast this machine is right now. */
export function measureBare(options) {
  return withBare(async (url) => {
    log(`bare NestJS yardstick: measuring ${options.duration} s…`);
    let i = 0;
    const r = await runAutocannon({
      url,
      connections: options.connections,
      duration: options.duration,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: barePath(i++) }) }],
    });
    return { rps: r.requests.average, p99: r.latency.p99 };
  });
}

/** CPUs, their model, Node, OS, the load average (with `loadDigits` decimals) and the time now. */
export function machineFacts(loadDigits = 2) {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    model: (cpus[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim(),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    load: os.loadavg().map((n) => n.toFixed(loadDigits)).join(' '),
    date: new Date().toISOString(),
  };
}

export const fmt = (n, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const ms = (n) => `${fmt(n, Number.isInteger(n) ? 0 : 1)} ms`;

/**
 * The frame of a bench: parses the options with `parseOptions` (a bad one: exit code 2; --help: the
 * `help` text, exit code 0), then resolves with the exit code of `bench(options)`; whatever happens it
 * stops everything the bench started (a failure: "<name> could not run: …", exit code 1).
 */
export async function runBench(name, help, parseOptions, bench) {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${name}: ${err.message}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(help);
    return 0;
  }
  try {
    return await bench(options);
  } catch (err) {
    const cause = err.cause ? ` (${err.cause.message ?? err.cause})` : '';
    process.stderr.write(`\n${name} could not run: ${err.message}${cause}\n`);
    return 1;
  } finally {
    await cleanup();
  }
}

const flagOf = (name) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Parses `--name value` / `--name=value` flags over defaults (from the environment); `--read-key` sets
 * `readKey`. The options named in `bounds` become integers within them, the others stay strings.
 */
export function parseIntOptions(argv, defaults, bounds) {
  const opts = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { help: true };
    const match = /^--([a-z][a-z-]*)(?:=(.*))?$/.exec(arg);
    const name = match?.[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!match || !(name in opts)) throw new Error(`unknown option "${arg}" (see --help)`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${match[1]} needs a value`);
    opts[name] = value;
  }
  const out = { ...opts };
  for (const [name, [min, max]] of Object.entries(bounds)) {
    const n = Number(opts[name]);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${flagOf(name)} must be an integer from ${min} to ${max} (got "${opts[name]}")`);
    out[name] = n;
  }
  return out;
}

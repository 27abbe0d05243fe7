#!/usr/bin/env node
// One command to run Omnibus locally: `npm start` (or `node tools/start.mjs`).
// Installs dependencies when missing, builds the apps, makes sure NATS answers (starting a local
// nats-server when it does not), starts every service and then the gateway, waits until each is
// ready, loads the demo data (products, prices, a warehouse and a store with stock), and stops everything cleanly on Ctrl+C.
// Plain Node 20 ESM with built-ins only: it must run before `npm install` has run.

import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describeCommerce, loadDemoProducts, seedCommerce, seedDemo } from './demo/seed.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Every app, services first and the gateway last. Adding a service is one line: its build output
 * must be dist/apps/<name>/main.js. `database: true` gives it its own database (or PGlite folder).
 */
const APPS = [
  { name: 'catalog', port: 3101, database: true },
  { name: 'content', port: 3106, database: true },
  { name: 'inventory', port: 3103, database: true },
  { name: 'pricing', port: 3102, database: true },
  { name: 'customers', port: 3105, database: true },
  { name: 'channels', port: 3107, database: true },
  { name: 'orders', port: 3104, database: true },
  { name: 'gateway', port: 3000 },
];

const DEV_KEYS = [
  ['dev-admin', 'admin: every product, create and change'],
  ['dev-web', 'channel web'],
  ['dev-app', 'channel app'],
  ['dev-pos', 'channel pos'],
  ['dev-marketplace', 'channel marketplace'],
  ['dev-b2b', 'channel b2b'],
];

const READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 250;
const NATS_START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;
const LAST_LINES = 40;

const envName = (app) => app.name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
const portOf = (app) => Number(process.env[`${envName(app)}_PORT`] || app.port);

const HELP = `Runs Omnibus locally: builds the apps, starts NATS when needed, every service, the gateway,
and loads the demo data: products, their prices, a warehouse and a store with stock.

Usage:
  npm start [-- options]          or   node tools/start.mjs [options]

Options:
  --no-build     use the existing dist/ output (fails when an app was never built)
  --no-seed      do not load the demo data
  --help, -h     show this text

Environment:
  NATS_URL               NATS server (default: nats://127.0.0.1:4222). When nothing answers there
                         and nats-server is installed, a local one is started on that port with
                         JetStream, data in DATA_DIR/nats, and stopped on exit.
  DATABASE_URL           PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/omnibus; each
                         service gets its own database <name>_<service> (omnibus_catalog), created
                         at start. Unset: each service uses embedded PGlite under DATA_DIR.
${APPS.filter((a) => a.database)
  .map((a) => `  ${`${envName(a)}_DATABASE_URL`.padEnd(22)} database of the ${a.name} service, used as is (overrides DATABASE_URL)`)
  .join('\n')}
  DATA_DIR               folder for PGlite databases and a started NATS (default: <repo>/.data)
${APPS.map((a) => `  ${`${envName(a)}_PORT`.padEnd(22)} HTTP port of the ${a.name} (default: ${a.port})`).join('\n')}
  NODE_ENV               passed to the apps (default: development; production refuses the dev keys)
  OMNIBUS_ADMIN_KEY      admin key used to load the demo data (default: dev-admin)
  QUIET=1                do not echo the apps' log lines (they are still shown when an app fails)
  LOG_LEVEL, API_KEYS…   any other variable is passed to the apps unchanged (see node dist/apps/<app>/main.js --help)
`;

// ---------------------------------------------------------------- output

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const say = (line) => process.stdout.write(`${paint('1;36', '▸')} ${line}\n`);
const warn = (line) => process.stderr.write(`${paint('1;33', '!')} ${line}\n`);
const fail = (line) => process.stderr.write(`${paint('1;31', '✗')} ${line}\n`);
const quiet = /^(1|true|yes|on)$/i.test(process.env.QUIET ?? '');
const PREFIX_WIDTH = Math.max(4, ...APPS.map((a) => a.name.length));
const PREFIX_COLORS = ['35', '32', '34', '33', '36', '31'];

// ---------------------------------------------------------------- children

/** Long-running children: { name, kind: 'app' | 'nats', proc, exited: Promise, lines: [] , expectedExit }. */
const children = [];
/** A tool run in the foreground (npm install, nx build): killed when we are stopped. */
let foreground;
let stopping = false;

function pipeLines(child, stream, target) {
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  rl.on('line', (line) => {
    child.lines.push(line);
    if (child.lines.length > LAST_LINES) child.lines.shift();
    if (!quiet) target.write(`${child.prefix}${line}\n`);
  });
}

/** Starts a long-running child in its own process group, so Ctrl+C reaches only us and we stop it in order. */
function startChild(name, kind, command, args, env) {
  const prefix = paint(PREFIX_COLORS[children.length % PREFIX_COLORS.length], `${name.padEnd(PREFIX_WIDTH)} | `);
  const proc = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
  const child = { name, kind, proc, prefix, lines: [], code: undefined, signal: undefined };
  child.exited = new Promise((resolve) => {
    proc.on('error', (err) => {
      child.lines.push(`could not start ${command}: ${err.message}`);
      child.code = -1;
      resolve(child);
    });
    proc.on('exit', (code, signal) => {
      child.code = code;
      child.signal = signal;
      resolve(child);
    });
  });
  child.closed = new Promise((resolve) => proc.on('close', resolve));
  pipeLines(child, proc.stdout, process.stdout);
  pipeLines(child, proc.stderr, process.stderr);
  children.push(child);
  return child;
}

const isRunning = (child) => child.code === undefined && child.signal === undefined;
const describeExit = (child) => (child.signal ? `signal ${child.signal}` : `code ${child.code}`);

function printLastLines(child) {
  process.stderr.write(`--- last lines of ${child.name} ---\n`);
  for (const line of child.lines.slice(-20)) process.stderr.write(`${child.name.padEnd(PREFIX_WIDTH)} | ${line}\n`);
  process.stderr.write(`--- end of ${child.name} ---\n`);
}

/** Runs a command with inherited stdio and resolves with its exit code. */
function runForeground(command, args, env = process.env) {
  return new Promise((resolve) => {
    const proc = spawn(command, args, { cwd: ROOT, env, stdio: 'inherit', shell: process.platform === 'win32' });
    foreground = proc;
    proc.on('error', (err) => {
      fail(`could not run ${command}: ${err.message}`);
      resolve(127);
    });
    proc.on('exit', (code, signal) => {
      foreground = undefined;
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

function signalChild(child, signal) {
  if (!isRunning(child)) return;
  try {
    // The child leads its own process group: signal the group so anything it spawned goes too.
    if (process.platform !== 'win32') process.kill(-child.proc.pid, signal);
    else child.proc.kill(signal);
  } catch {
    try {
      child.proc.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/** Stops the gateway, then the services, then the NATS we started; SIGKILL after STOP_TIMEOUT_MS. */
async function stopAll(reason, exitCode) {
  if (stopping) return;
  stopping = true;
  if (reason) say(reason);
  if (foreground) foreground.kill('SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  const stages = [
    children.filter((c) => c.kind === 'app' && c.name === 'gateway'),
    children.filter((c) => c.kind === 'app' && c.name !== 'gateway'),
    children.filter((c) => c.kind === 'nats'),
  ];
  for (const stage of stages) {
    const running = stage.filter(isRunning);
    if (!running.length) continue;
    say(`stopping ${running.map((c) => c.name).join(', ')} …`);
    for (const child of running) {
      child.expectedExit = true;
      signalChild(child, 'SIGTERM');
    }
    const left = deadline - Date.now();
    await Promise.race([Promise.all(running.map((c) => c.exited)), sleep(Math.max(0, left))]);
  }
  const stuck = children.filter(isRunning);
  if (stuck.length) {
    warn(`${stuck.map((c) => c.name).join(', ')} did not stop within ${STOP_TIMEOUT_MS / 1000} s: killing`);
    for (const child of stuck) signalChild(child, 'SIGKILL');
    await Promise.race([Promise.all(stuck.map((c) => c.exited)), sleep(2000)]);
  }
  // Let the last log lines through before exiting.
  await Promise.race([Promise.all(children.map((c) => c.closed)), sleep(500)]);
  say(exitCode === 0 ? 'stopped' : 'stopped after a failure');
  process.exit(exitCode);
}

function onSignal(signal) {
  if (stopping) {
    warn(`${signal} again: already stopping (at most ${STOP_TIMEOUT_MS / 1000} s)`);
    return;
  }
  void stopAll(`${signal} received`, 0);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => onSignal(signal));
process.on('uncaughtException', (err) => {
  fail(`launcher error: ${err.stack ?? err}`);
  void stopAll(undefined, 1);
});

/** After start, a child that exits on its own ends the whole run. */
function watch(child) {
  void child.exited.then(() => {
    if (child.expectedExit || stopping) return;
    fail(`${child.name} exited unexpectedly (${describeExit(child)})`);
    if (quiet) printLastLines(child);
    void stopAll(undefined, 1);
  });
}

// ---------------------------------------------------------------- network helpers

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** True when a TCP connection to host:port opens within `timeoutMs`. */
function canConnect(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * What listens at host:port: 'nats' when it greets with NATS's `INFO {…}` line, 'other' when a
 * connection opens but no such greeting comes within `timeoutMs`, 'none' when nothing answers.
 */
function probeNats(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let connected = false;
    let greeting = '';
    const done = (what) => {
      socket.destroy();
      resolve(what);
    };
    const timer = setTimeout(() => done(connected ? 'other' : 'none'), timeoutMs);
    socket.once('connect', () => (connected = true));
    socket.on('data', (chunk) => {
      greeting += chunk.toString('latin1');
      if (greeting.length >= 5) {
        clearTimeout(timer);
        done(greeting.startsWith('INFO') ? 'nats' : 'other');
      }
    });
    socket.once('error', () => {
      clearTimeout(timer);
      done(connected ? 'other' : 'none');
    });
    socket.once('close', () => {
      clearTimeout(timer);
      done(connected ? 'other' : 'none');
    });
  });
}

/** The HTTP status of GET url, or 0 when nothing answered. */
function httpStatus(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** Waits for /health/ready to answer 200; false when the child exited or time ran out. */
async function waitReady(child, port) {
  const url = `http://127.0.0.1:${port}/health/ready`;
  const until = Date.now() + READY_TIMEOUT_MS;
  let lastStatus = 0;
  while (Date.now() < until) {
    if (!isRunning(child)) return { ok: false, why: `exited (${describeExit(child)})` };
    lastStatus = await httpStatus(url);
    if (lastStatus === 200) return { ok: true };
    await Promise.race([sleep(READY_POLL_MS), child.exited]);
  }
  return { ok: false, why: `not ready after ${READY_TIMEOUT_MS / 1000} s (last answer: ${lastStatus || 'none'})` };
}

function findOnPath(command) {
  const candidates = [`/usr/sbin/${command}`, `/usr/local/bin/${command}`, `/usr/bin/${command}`, `/opt/homebrew/bin/${command}`];
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) candidates.push(join(dir, command));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      /* next */
    }
  }
  return undefined;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0']);

/** Host and port of the first NATS server of a (comma separated) NATS_URL. */
function natsAddress(natsUrl) {
  const first = natsUrl.split(',')[0].trim();
  let url;
  try {
    url = new URL(first.includes('://') ? first : `nats://${first}`);
  } catch {
    return undefined;
  }
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 4222) };
}

/** The URL of a service's own database: DATABASE_URL with the database name `<name>_<service>`. */
function serviceDatabaseUrl(baseUrl, service) {
  const url = new URL(baseUrl);
  const base = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'omnibus';
  url.pathname = `/${base}_${service.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`;
  return url.toString();
}

const redact = (dbUrl) => {
  try {
    const url = new URL(dbUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return dbUrl;
  }
};

// ---------------------------------------------------------------- the steps

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const unknown = args.filter((a) => !['--no-build', '--no-seed'].includes(a));
  if (unknown.length) {
    fail(`unknown option ${unknown[0]}; see --help`);
    process.exit(2);
  }
  const build = !args.includes('--no-build');
  const seed = !args.includes('--no-seed');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

  // 1. Dependencies.
  if (!existsSync(join(ROOT, 'node_modules'))) {
    say('node_modules is missing: running npm install (about two minutes) …');
    const code = await runForeground(npm, ['install', '--no-audit', '--no-fund']);
    if (stopping) return;
    if (code !== 0) {
      fail(`npm install failed (exit code ${code})`);
      process.exit(1);
    }
  }

  // 2. Build.
  const names = APPS.map((a) => a.name);
  if (build) {
    say(`building ${names.join(', ')} …`);
    const code = await runForeground(npx, ['nx', 'run-many', '-t', 'build', `--projects=${names.join(',')}`, '--parallel=2'], {
      ...process.env,
      NX_NO_CLOUD: 'true',
      NX_DAEMON: 'false',
      NX_TUI: 'false',
    });
    if (stopping) return;
    if (code !== 0) {
      fail(`the build failed (exit code ${code}); see the output above`);
      process.exit(1);
    }
  }
  const missing = APPS.filter((a) => !existsSync(join(ROOT, 'dist', 'apps', a.name, 'main.js')));
  if (missing.length) {
    fail(`no build output for ${missing.map((a) => a.name).join(', ')} (dist/apps/<app>/main.js)${build ? '' : '; run without --no-build'}`);
    process.exit(1);
  }

  // 3. Ports must be free, or readiness checks would talk to someone else's process.
  const busy = [];
  for (const app of APPS) if (await canConnect('127.0.0.1', portOf(app), 500)) busy.push(app);
  if (busy.length) {
    fail(
      `port ${busy.map((a) => `${portOf(a)} (${a.name})`).join(', ')} already in use: is Omnibus already running?\n` +
        `  Stop it, or choose other ports: ${busy.map((a) => `${envName(a)}_PORT=…`).join(' ')}`,
    );
    process.exit(1);
  }

  // Each app's environment; database URLs are checked now, before anything is started.
  const dataDir = resolve(ROOT, process.env.DATA_DIR || '.data');
  const natsUrl = process.env.NATS_URL || 'nats://127.0.0.1:4222';
  const baseDatabaseUrl = process.env.DATABASE_URL || undefined;
  const envFor = (app) => {
    const env = { ...process.env, PORT: String(portOf(app)), NATS_URL: natsUrl, NODE_ENV: process.env.NODE_ENV || 'development' };
    delete env.DATABASE_URL; // never to the gateway; services get their own below
    if (!app.database) return env;
    env.DATA_DIR = dataDir;
    const own = process.env[`${envName(app)}_DATABASE_URL`];
    if (own) env.DATABASE_URL = own;
    else if (baseDatabaseUrl) env.DATABASE_URL = serviceDatabaseUrl(baseDatabaseUrl, app.name);
    return env;
  };
  for (const app of APPS.filter((a) => a.database)) {
    const own = `${envName(app)}_DATABASE_URL`;
    try {
      const url = envFor(app).DATABASE_URL;
      if (url && !/^postgres(ql)?:$/.test(new URL(url).protocol)) throw new Error('not postgres');
    } catch {
      fail(`${process.env[own] ? own : 'DATABASE_URL'} is not a URL like postgres://user@host:5432/name`);
      process.exit(1);
    }
  }

  // 4. NATS.
  const nats = natsAddress(natsUrl);
  if (!nats) {
    fail(`NATS_URL=${natsUrl} is not a URL like nats://127.0.0.1:4222`);
    process.exit(1);
  }
  const found = await probeNats(nats.host, nats.port);
  if (found === 'nats') {
    say(`NATS answers at ${nats.host}:${nats.port}`);
  } else if (found === 'other') {
    fail(`something listens at ${nats.host}:${nats.port} (NATS_URL=${natsUrl}) but it does not greet like a NATS server.`);
    process.stderr.write('  Set NATS_URL to your NATS server, or free that port so a local nats-server can be started there.\n');
    process.exit(1);
  } else {
    const natsServer = findOnPath('nats-server');
    const local = LOCAL_HOSTS.has(nats.host);
    if (!natsServer || !local) {
      fail(`nothing answers at ${nats.host}:${nats.port} (NATS_URL=${natsUrl}).`);
      if (!local) process.stderr.write('  It is not a local address, so no nats-server is started for it; check the server or set NATS_URL.\n');
      else
        process.stderr.write(
          '  Omnibus needs a NATS server with JetStream. Either:\n' +
            '    - install it: apt-get install -y nats-server (Debian/Ubuntu), brew install nats-server (macOS),\n' +
            '      or download it from https://github.com/nats-io/nats-server/releases and put it on PATH\n' +
            '      (this launcher then starts it for you), or\n' +
            '    - start one yourself (nats-server -js) or set NATS_URL to a running one.\n',
        );
      process.exit(1);
    }
    const storeDir = join(dataDir, 'nats');
    mkdirSync(storeDir, { recursive: true });
    say(`NATS does not answer at ${nats.host}:${nats.port}: starting ${natsServer} (JetStream, data in ${storeDir}) …`);
    const child = startChild('nats', 'nats', natsServer, ['-js', '-a', '127.0.0.1', '-p', String(nats.port), '-sd', storeDir], process.env);
    const until = Date.now() + NATS_START_TIMEOUT_MS;
    let up = false;
    while (!up && isRunning(child) && Date.now() < until && !stopping) {
      up = (await probeNats('127.0.0.1', nats.port, 500)) === 'nats';
      if (!up) await Promise.race([sleep(200), child.exited]);
    }
    if (stopping) return;
    if (!up) {
      fail(`nats-server ${isRunning(child) ? `did not answer within ${NATS_START_TIMEOUT_MS / 1000} s` : `exited (${describeExit(child)})`}`);
      printLastLines(child);
      return stopAll(undefined, 1);
    }
    say(`NATS started on 127.0.0.1:${nats.port}`);
    watch(child);
  }

  // 5. Databases (checked above, before NATS was started).
  for (const app of APPS.filter((a) => a.database)) {
    const url = envFor(app).DATABASE_URL;
    say(`${app.name}: database ${url ? redact(url) : `embedded PGlite in ${join(dataDir, app.name)}`}`);
  }

  // 6. Start the services, then the gateway, waiting for each to be ready.
  const gateway = APPS[APPS.length - 1];
  const waves = [APPS.slice(0, -1), [gateway]];
  for (const wave of waves) {
    if (!wave.length) continue;
    const started = wave.map((app) => {
      say(`starting ${app.name} on port ${portOf(app)} …`);
      return { app, child: startChild(app.name, 'app', process.execPath, [join('dist', 'apps', app.name, 'main.js')], envFor(app)) };
    });
    const results = await Promise.all(started.map(({ app, child }) => waitReady(child, portOf(app)).then((r) => ({ app, child, ...r }))));
    if (stopping) return;
    const bad = results.filter((r) => !r.ok);
    if (bad.length) {
      for (const r of bad) {
        fail(`${r.app.name} did not start: ${r.why}`);
        printLastLines(r.child);
      }
      return stopAll(undefined, 1);
    }
    for (const { app, child } of started) {
      say(`${app.name} is ready`);
      watch(child);
    }
  }

  // 7. Demo data.
  const gatewayPort = portOf(gateway);
  if (seed) {
    const products = loadDemoProducts();
    say(`loading ${products.length} demo products …`);
    try {
      const r = await seedDemo({ gatewayUrl: `http://127.0.0.1:${gatewayPort}`, products, log: (line) => warn(line.trim()) });
      if (stopping) return;
      say(`demo data: ${r.created} created, ${r.present} already there${r.failed.length ? `, ${r.failed.length} failed` : ''}`);
      const commerce = await seedCommerce({ gatewayUrl: `http://127.0.0.1:${gatewayPort}`, products });
      if (stopping) return;
      say(describeCommerce(commerce));
    } catch (err) {
      if (stopping) return;
      warn(`demo data not loaded: ${err.message}`);
    }
  }

  // 8. Where to go next.
  const base = `http://localhost:${gatewayPort}`;
  const customKeys = Boolean(process.env.API_KEYS);
  const lines = [
    '',
    paint('1;32', `Omnibus is running: ${base}`),
    `  API docs      ${base}/docs`,
    `  OpenAPI       ${base}/docs/openapi.json`,
    ...(customKeys
      ? ['  API keys      the ones in API_KEYS (the dev-* keys are off)']
      : ['  API keys (send as x-api-key):', ...DEV_KEYS.map(([key, what]) => `    ${key.padEnd(16)} ${what}`)]),
    '  Try:',
    `    curl -H 'x-api-key: ${customKeys ? '<admin key>' : 'dev-admin'}' ${base.replace('http://', '')}/v1/products`,
    `    curl -H 'x-api-key: dev-pos' '${base.replace('http://', '')}/v1/products?category=home'`,
    ...(seed && !customKeys
      ? [
          `    curl -H 'x-api-key: dev-web' -H 'Idempotency-Key: my-first-order' -H 'content-type: application/json' ${base.replace('http://', '')}/v1/orders \\`,
          `      -d '{"currency":"EUR","lines":[{"sku":"SHIRT-LIN-WHT-M","quantity":1}],"fulfilment":{"type":"delivery","address":{"name":"Ann Lee","line1":"Torstr. 5","postalCode":"10119","city":"Berlin","country":"DE"}}}'`,
        ]
      : []),
    '',
    `Press Ctrl+C to stop.${quiet ? '' : ' App logs follow.'}`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

main().catch((err) => {
  fail(err.stack ?? String(err));
  void stopAll(undefined, 1);
});

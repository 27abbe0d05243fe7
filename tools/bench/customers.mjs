#!/usr/bin/env node
// node tools/bench/customers.mjs: a logged-in customer's profile (GET /v1/me: token verified at the
// gateway, one NATS hop, the customers service's reads) and logins (scrypt-bound by design), next to a
// bare NestJS + Fastify baseline measured in the same run. See docs/performance.md ("Customers").
import { randomBytes } from 'node:crypto';
import { api, barePath, cleanup, fmt, log, machineFacts, parseIntOptions, runBench, startPlatform, warmUpAndMeasure, withBare } from './platform.mjs';

const WARMUP_SECONDS = 3;
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
  const defaults = {
    duration: process.env.BENCH_DURATION ?? '15',
    connections: process.env.BENCH_CONNECTIONS ?? '50',
    loginConnections: process.env.BENCH_LOGIN_CONNECTIONS ?? '4',
    customers: process.env.BENCH_CUSTOMERS ?? '100',
  };
  return parseIntOptions(argv, defaults, { duration: [1, 3600], connections: [1, 10_000], loginConnections: [1, 1000], customers: [1, 10_000] });
}

// ---------------------------------------------------------------------------------------------
// Platform: customers behind the gateway

async function startBenchPlatform() {
  const secret = { CUSTOMER_TOKEN_SECRET: randomBytes(24).toString('hex') };
  // A lock would turn the login shape into 429s: the bench logs in with the right password only, but stays clear of it.
  const platform = await startPlatform(['customers'], { customers: { ...secret, LOGIN_MAX_FAILURES: '1000' }, gateway: secret }, { build: false });
  const { gateway, customers, 'nats-server': nats } = platform.processes;
  return { url: platform.url, processes: { gateway, customers, 'nats-server': nats } };
}

// ---------------------------------------------------------------------------------------------
// Seeding

async function call(gateway, method, path, body, headers = {}) {
  const res = await api(gateway, method, path, body, 'dev-web', headers);
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${res.text.slice(0, 400)}`);
  return res.body;
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

/** Warm-up, then the measured run; `next()` gives each request's method, path, headers and body. */
function measure(label, origin, next, { duration, connections }, processes = {}) {
  const settings = { url: origin, connections, requests: [{ setupRequest: (req) => ({ ...req, ...next(req) }) }] };
  return warmUpAndMeasure(label, settings, { warmup: WARMUP_SECONDS, duration, processes });
}

function measureBare(options) {
  let i = 0;
  const next = () => ({ method: 'GET', path: barePath(i++) });
  return withBare((url, bare) => measure('bare NestJS + Fastify', url, next, options, { 'bare-nest': bare }));
}

async function bench(options) {
  const facts = machineFacts(1);
  const platform = await startBenchPlatform();
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
    const cpu = Object.entries(r.cpuOfProcesses).filter(([name, share]) => name !== 'nats-server' || share > 0.01).map(([name, share]) => `${name} ${fmt(share * 100)} %`).join(', ');
    const connections = r === login ? options.loginConnections : options.connections;
    out.push(`| ${r.label} | ${connections} | ${fmt(r.rps)} | ${r.p50} ms | ${r.p99} ms | ${r.failed} | ${fmt((r.rps / bare.rps) * 100)} % | ${cpu} | ${fmt(r.machineBusy * 100)} % of ${facts.cpus * 100} % |`);
  }
  out.push('');
  process.stdout.write(out.join('\n') + '\n');
  if (results.some((r) => r.failed || !r.total)) {
    process.stdout.write('!!! some requests failed: these figures are not valid\n');
    return 1;
  }
  return 0;
}

process.exitCode = await runBench('customers bench', HELP, parseOptions, bench);

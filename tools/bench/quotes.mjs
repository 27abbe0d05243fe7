#!/usr/bin/env node
// node tools/bench/quotes.mjs: POST /v1/quotes with 10-line carts through the gateway, next to a bare NestJS +
// Fastify baseline measured in the same run. See docs/performance.md.
import { api, cleanup, cpuMeter, fmt, log, machineFacts, ms, runAutocannon, runBench, startPlatform, waitFor, withBare } from './platform.mjs';

const WARMUP_SECONDS = 3;
const TARGET_RPS = 2000;
const CHANNEL_KEYS = ['dev-web', 'dev-pos', 'dev-app'];

const HELP = `Usage: node tools/bench/quotes.mjs [options]

Measures POST /v1/quotes through the gateway: carts of --lines distinct SKUs (quantities 1-5) drawn
at random from --products products (2 SKUs each), sent with the keys ${CHANNEL_KEYS.join(', ')} in turn,
after a ${WARMUP_SECONDS} s warm-up. Prices: a base list with a quantity tier on every fourth SKU, a
higher-priority list for half the SKUs, channel-scoped prices on some; promotions: 10 % off a
category (from catalog events), buy 2 get 1 on a SKU set, a fixed amount off carts above a minimum,
a POS-only one and a coupon-only one (no coupon is sent). Then a bare NestJS + Fastify app
(tools/bench/bare-nest.mjs, GET of ~1 KB from memory) with the same settings, for the ratio.

It starts its own platform: a private nats-server (free port, temporary store), fresh PostgreSQL
databases for the catalog and pricing (dropped at the end), and the built catalog, pricing and
gateway (dist/apps/*/main.js as they are: run \`npm run build\` after changing code).

Options (flag, or environment variable):
  --duration <s>       seconds measured                      BENCH_DURATION     (default 20)
  --connections <n>    concurrent connections                BENCH_CONNECTIONS  (default 50)
  --lines <n>          lines per cart                        BENCH_LINES        (default 10)
  --products <n>       products created (2 SKUs each)        BENCH_PRODUCTS     (default 200)
  --explain <bool>     false sends "explain": false (totals,   BENCH_EXPLAIN      (default true)
                       coupons and applied promotions only)
  --help               this text

Environment:
  DATABASE_URL         PostgreSQL server for the bench databases
                       (default postgres://postgres@127.0.0.1:5432/postgres)
  NATS_SERVER_BIN      nats-server binary (default: on PATH, else /usr/sbin/nats-server)
  BENCH_NODE_ARGS      extra node flags for the apps, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
  other variables      reach the apps unchanged, e.g. DATABASE_POOL_SIZE=20

Exit code: 0 when the figures were measured (whatever they are), 1 when the run could not be measured.
`;

function parseOptions(argv) {
  const opts = {
    duration: process.env.BENCH_DURATION ?? '20',
    connections: process.env.BENCH_CONNECTIONS ?? '50',
    lines: process.env.BENCH_LINES ?? '10',
    products: process.env.BENCH_PRODUCTS ?? '200',
    explain: process.env.BENCH_EXPLAIN ?? 'true',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { help: true };
    const match = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
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
  if (!['true', 'false'].includes(opts.explain)) throw new Error(`--explain must be true or false (got "${opts.explain}")`);
  const out = { duration: int('duration', 1, 3600), connections: int('connections', 1, 10_000), lines: int('lines', 1, 200), products: int('products', 10, 100_000), explain: opts.explain === 'true' };
  if (out.lines > out.products * 2) throw new Error('--lines must not exceed the number of SKUs (2 per product)');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Platform: catalog, pricing and gateway

async function startBenchPlatform() {
  const platform = await startPlatform(['catalog', 'pricing']);
  return { ...platform, pricingDb: platform.databases.pricing };
}

// ---------------------------------------------------------------------------------------------
// Seeding: products in the catalog (their categories reach pricing through events), prices, promotions

async function expectStatus(promise, status, what) {
  const res = await promise;
  if (res.status !== status) throw new Error(`${what} answered ${res.status}: ${res.text.slice(0, 300)}`);
  return res.body;
}

async function seed(platform, productCount) {
  const { url: gateway, run } = platform;
  const started = Date.now();
  const skus = [];
  let next = 0;
  const worker = async () => {
    while (next < productCount) {
      const i = next++;
      const body = {
        slug: `bench-${run}-${i}`,
        name: { en: `Bench product ${i}` },
        status: 'active',
        channels: ['web', 'app', 'pos'],
        categories: [i % 2 ? 'bench-shirts' : 'bench-home'],
        attributes: { material: i % 3 ? 'cotton' : 'linen' },
        variants: [{ sku: `Q-${run}-${i}-S` }, { sku: `Q-${run}-${i}-M` }],
      };
      const product = await expectStatus(api(gateway, 'POST', '/v1/products', body), 201, 'POST /v1/products');
      for (const v of product.variants) skus.push(v.sku);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  skus.sort();

  const baseList = await expectStatus(api(gateway, 'POST', '/v1/price-lists', { name: 'Bench base', priority: 0 }), 201, 'POST /v1/price-lists');
  const contract = await expectStatus(api(gateway, 'POST', '/v1/price-lists', { name: 'Bench contract', priority: 10 }), 201, 'POST /v1/price-lists');
  const basePrices = [];
  const contractPrices = [];
  skus.forEach((sku, i) => {
    basePrices.push({ sku, amount: 1000 + ((i * 37) % 9000), currency: 'EUR' });
    if (i % 4 === 0) basePrices.push({ sku, amount: 900 + ((i * 37) % 8000), currency: 'EUR', minQuantity: 3 });
    if (i % 5 === 0) basePrices.push({ sku, amount: 950 + ((i * 37) % 8500), currency: 'EUR', channel: 'pos' });
    if (i % 2 === 0) contractPrices.push({ sku, amount: 990 + ((i * 37) % 8900), currency: 'EUR' });
  });
  await expectStatus(api(gateway, 'POST', `/v1/price-lists/${baseList.id}/prices/bulk`, { prices: basePrices }), 200, 'bulk upsert (base)');
  await expectStatus(api(gateway, 'POST', `/v1/price-lists/${contract.id}/prices/bulk`, { prices: contractPrices }), 200, 'bulk upsert (contract)');

  const promotions = [
    { name: '10 % off shirts', priority: 30, discount: { type: 'percentage', percent: 10 }, products: { categories: ['bench-shirts'] } },
    { name: 'Buy 2 get 1', priority: 20, discount: { type: 'buyXGetY', buyQuantity: 2, getQuantity: 1 }, products: { skus: skus.filter((_, i) => i % 3 === 0) } },
    { name: '5 EUR off above 100 EUR', priority: 10, discount: { type: 'fixedAmount', amount: { amount: 500, currency: 'EUR' } }, minCartValue: { amount: 10_000, currency: 'EUR' } },
    { name: 'POS only', priority: 5, channels: ['pos'], discount: { type: 'percentage', percent: 2 } },
    { name: 'Coupon only', priority: 1, discount: { type: 'percentage', percent: 15 }, coupon: { code: `BENCH-${run}`.toUpperCase() } },
  ];
  for (const body of promotions) await expectStatus(api(gateway, 'POST', '/v1/promotions', body), 201, 'POST /v1/promotions');

  // Category promotions need pricing's copy of the products (from catalog events).
  await waitFor(null, 'pricing to know every bench SKU', async () => {
    const { rows } = await platform.pricingDb.query('select count(*)::int as n from catalog_variants');
    return rows[0].n >= skus.length;
  });
  log(`seeded ${productCount} products, ${basePrices.length + contractPrices.length} prices, ${promotions.length} promotions in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return skus;
}

function cart(skus, lines, explain) {
  const picked = new Set();
  while (picked.size < lines) picked.add(skus[Math.floor(Math.random() * skus.length)]);
  return { currency: 'EUR', ...(explain ? {} : { explain: false }), lines: [...picked].map((sku) => ({ sku, quantity: 1 + Math.floor(Math.random() * 5) })) };
}

// ---------------------------------------------------------------------------------------------
// Measuring
function summary(label, r, cpuShare) {
  return { label, cpuShare, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, bytesPerReq: r.requests.total ? r.throughput.total / r.requests.total : 0 };
}

async function measureQuotes(platform, carts, { duration, connections }) {
  let n = 0;
  const settings = {
    url: platform.url,
    connections,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const i = n++;
          return { ...req, path: '/v1/quotes', headers: { 'content-type': 'application/json', 'x-api-key': CHANNEL_KEYS[i % CHANNEL_KEYS.length] }, body: carts[i % carts.length] };
        },
      },
    ],
  };
  log(`quotes: warm-up ${WARMUP_SECONDS} s…`);
  await runAutocannon({ ...settings, duration: WARMUP_SECONDS });
  log(`quotes: measuring ${duration} s with ${connections} connections…`);
  const { rows } = await platform.pricingDb.query("select array_agg(pid) as pids from pg_stat_activity where datname = 'omnibus_bench_pricing_' || $1", [platform.run]);
  const cpu = cpuMeter({ ...platform.processes, 'postgres (pricing)': rows[0].pids ?? [] });
  const r = await runAutocannon({ ...settings, duration });
  return summary('gateway → pricing (quotes)', r, cpu());
}

function measureBare({ duration, connections }) {
  return withBare(
    async (url, bare) => {
      const settings = { url, connections, requests: [{ method: 'GET', path: '/v1/products/prd_bare000000000000000001' }] };
      log(`bare NestJS: warm-up ${WARMUP_SECONDS} s…`);
      await runAutocannon({ ...settings, duration: WARMUP_SECONDS });
      log(`bare NestJS: measuring ${duration} s…`);
      const cpu = cpuMeter({ 'bare-nest': bare });
      const r = await runAutocannon({ ...settings, duration });
      return summary('bare NestJS + Fastify (GET, ~1 KB)', r, cpu());
    },
    { withNodeArgs: true },
  );
}

// ---------------------------------------------------------------------------------------------

async function bench(options) {
  const facts = machineFacts();
  const platform = await startBenchPlatform();
  const skus = await seed(platform, options.products);
  const carts = Array.from({ length: 1000 }, () => JSON.stringify(cart(skus, options.lines, options.explain)));
  const probe = await api(platform.url, 'POST', '/v1/quotes', JSON.parse(carts[0]), 'dev-web');
  if (probe.status !== 200) throw new Error(`a probe quote answered ${probe.status}: ${probe.text.slice(0, 300)}`);
  if (!probe.body.complete || probe.body.lines.length !== options.lines) throw new Error(`the probe quote is not a complete ${options.lines}-line quote: ${probe.text.slice(0, 300)}`);
  const applied = probe.body.explanation.promotions.filter((o) => o.applied).map((o) => o.name);
  log(`probe quote: total ${probe.body.total} of ${probe.body.subtotal}, promotions applied: ${applied.join(', ') || 'none'}`);

  const quotes = await measureQuotes(platform, carts, options);
  // Stop the platform before the baseline, so idle apps do not share the cores with it.
  await cleanup();
  const bare = await measureBare(options);

  const out = [''];
  out.push(`POST /v1/quotes (${options.lines}-line carts${options.explain ? '' : ', explain: false'}, keys ${CHANNEL_KEYS.join('/')}): ${options.connections} connections, ${options.duration} s after a ${WARMUP_SECONDS} s warm-up`);
  out.push(`machine: ${facts.cpus} × ${facts.model}, Node ${facts.node}, load average before the run ${facts.load}, ${facts.date}`);
  out.push('');
  const header = ['shape', 'req/s', 'p50', 'p99', 'non-2xx/errors'];
  const table = [quotes, bare].map((r) => [r.label, fmt(r.rps), ms(r.p50), ms(r.p99), fmt(r.non2xx + r.errors + r.timeouts)]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => row[c].length)));
  const line = (cells) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  out.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...table.map(line), '');
  out.push(`ratio quotes / bare NestJS: ${fmt((quotes.rps / bare.rps) * 100, 1)} % of the requests per second`);
  for (const r of [quotes, bare]) out.push(`CPU during the ${r.label} run (100 % = one core): ${Object.entries(r.cpuShare).map(([name, share]) => `${name} ${fmt(share * 100)} %`).join(', ')}`);
  out.push(`response size: quotes ~${fmt(quotes.bytesPerReq)} B per response (with headers)`);
  const others = Math.max(quotes.cpuShare['other processes'], bare.cpuShare['other processes']);
  if (others > 0.25) out.push(`NOTE: other processes used up to ${fmt(others * 100)} % of a core during the runs: these figures are noisy, measure again on a quiet machine`);
  const failed = [quotes, bare].some((r) => r.non2xx || r.errors || r.timeouts || !r.total);
  out.push(`target (≥ ${fmt(TARGET_RPS)} quotes/s): ${failed ? 'not judged, requests failed' : quotes.rps >= TARGET_RPS ? 'met' : 'MISSED'}`);
  out.push('', 'Markdown row (date | machine | Node | quotes/s | p50 | p99 | bare NestJS req/s | quotes/bare | other CPU):');
  out.push(
    `| ${facts.date.slice(0, 10)} | ${facts.cpus} × ${facts.model} | ${facts.node} | ${fmt(quotes.rps)} | ${ms(quotes.p50)} | ${ms(quotes.p99)} | ${fmt(bare.rps)} | ${fmt((quotes.rps / bare.rps) * 100)} % | ${fmt(quotes.cpuShare['other processes'] * 100)} % |`,
    '',
  );
  process.stdout.write(out.join('\n') + '\n');
  if (failed) process.stdout.write('\n!!! some requests failed: THESE FIGURES ARE NOT VALID\n');
  return failed ? 1 : 0;
}

process.exitCode = await runBench('bench:quotes', HELP, parseOptions, bench);

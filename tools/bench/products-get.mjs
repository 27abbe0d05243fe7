#!/usr/bin/env node
// npm run bench:products: GET /v1/products/{id} through the gateway, next to a bare NestJS + Fastify
// baseline measured in the same run. See docs/performance.md.
import { randomBytes } from 'node:crypto';
import { barePath, cleanup, fmt, log, machineFacts, ms, parseIntOptions, runBench, startPlatform, warmUpAndMeasure, withBare, workCounters } from './platform.mjs';

const WARMUP_SECONDS = 3;
const TARGET = { rps: 5000, p99: 25 };

const HELP = `Usage: npm run bench:products -- [options]
       node tools/bench/products-get.mjs [options]

Measures GET /v1/products/{id} through the gateway (channel key dev-web, round-robin over N
products created first), after a ${WARMUP_SECONDS} s warm-up, and a bare NestJS + Fastify app returning
~1 KB of JSON with the same settings, then prints req/s, p50, p99 and the ratio gateway/bare.

By default it starts its own platform: a private nats-server (JetStream, temporary store, free
port), fresh PostgreSQL databases omnibus_bench_<service>_<random> (dropped at the end) and the
built catalog, inventory, pricing and gateway (dist/apps/*/main.js as they are: run \`npm run build\`
after changing code; built first only when missing). With --gateway, the bench products get a
unique slug/SKU prefix and are archived again after the run.

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
  const defaults = {
    duration: process.env.BENCH_DURATION ?? '20',
    connections: process.env.BENCH_CONNECTIONS ?? '50',
    products: process.env.BENCH_PRODUCTS ?? '200',
    gateway: process.env.BENCH_GATEWAY || undefined,
    key: process.env.BENCH_KEY || 'dev-admin',
    readKey: process.env.BENCH_READ_KEY || 'dev-web',
  };
  const opts = parseIntOptions(argv, defaults, { duration: [1, 3600], connections: [1, 10_000], products: [1, 100_000] });
  if (opts.help) return opts;
  const out = { ...opts, gateway: undefined };
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
// Platform: catalog, inventory (availability block) and pricing (price block) behind the gateway

async function startBenchPlatform() {
  const platform = await startPlatform(['catalog', 'inventory', 'pricing']);
  const { gateway, catalog, inventory, pricing, 'nats-server': nats } = platform.processes;
  return {
    url: platform.url,
    processes: { gateway, catalog, inventory, pricing, 'nats-server': nats },
    /** NATS messages in so far and transactions in the catalog database: cache misses show up here. */
    async counters() {
      const { natsMsgs, databases } = await workCounters(platform);
      return { natsMsgs, dbXacts: databases.catalog.xacts };
    },
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

/** Warm-up, then the measured run; both rotate through `paths`. */
async function measure(label, origin, paths, headers, { duration, connections }, watch = {}) {
  let i = 0;
  const settings = {
    url: origin,
    connections,
    headers,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }],
  };
  const processes = watch.processes ?? {};
  // Without processes of its own (--gateway), the app measured counts among the others.
  const cpuLabels = { generator: 'load generator (autocannon)', others: Object.keys(processes).length ? 'other processes' : 'other processes (the app measured included)' };
  const { countersBefore, countersAfter, ...result } = await warmUpAndMeasure(label, settings, { warmup: WARMUP_SECONDS, duration, processes, cpuLabels, counters: watch.counters });
  return {
    ...result,
    natsMsgs: countersAfter && countersAfter.natsMsgs - countersBefore.natsMsgs,
    dbXacts: countersAfter && countersAfter.dbXacts - countersBefore.dbXacts,
  };
}

/** The bare NestJS + Fastify app, measured alone, then stopped. */
function measureBare(options) {
  const paths = Array.from({ length: 200 }, (_, i) => barePath(i));
  return withBare((url, bare) => measure('bare NestJS + Fastify', url, paths, {}, options, { processes: { 'bare-nest': bare } }), { withNodeArgs: true });
}

// ---------------------------------------------------------------------------------------------
// Report

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

async function bench(options) {
  const facts = machineFacts();
  const platform = options.gateway ? { url: options.gateway } : await startBenchPlatform();
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
  const bareResult = await measureBare(options);
  return report([gatewayResult, bareResult], options, facts) ? 0 : 1;
}

process.exitCode = await runBench('bench:products', HELP, parseOptions, bench);

#!/usr/bin/env node
// node tools/bench/content-get.mjs: content delivery by slug through the gateway (channel variant,
// locale fallback), with and without product resolution, next to a bare NestJS + Fastify baseline
// measured in the same run. See docs/performance.md ("Content delivery").
import { api, barePath, cleanup, fmt, log, machineFacts, parseIntOptions, runBench, startPlatform, warmUpAndMeasure, withBare } from './platform.mjs';

const WARMUP_SECONDS = 3;

const HELP = `Usage: node tools/bench/content-get.mjs [options]

Starts its own platform (private nats-server on a free port, fresh PostgreSQL databases for the
catalog and the content service, dropped at the end, and the built apps from dist/), creates a
banner type, products and published entries (each with an app variant, three locales and two
product references), then measures with autocannon, after a ${WARMUP_SECONDS} s warm-up each:

  1. GET /v1/content/delivery/banner/{slug}?locale=de-AT                     (key dev-app)
  2. the same with &resolve=products (2 catalog look-ups per entry, in parallel)
  3. a bare NestJS + Fastify app returning ~1 KB of JSON (tools/bench/bare-nest.mjs)

Options (flag, or environment variable):
  --duration <s>       seconds measured per shape     BENCH_DURATION     (default 15)
  --connections <n>    concurrent connections         BENCH_CONNECTIONS  (default 50)
  --entries <n>        entries created, read in turn  BENCH_ENTRIES      (default 200)
  --help               this text

Environment: DATABASE_URL (PostgreSQL server, default postgres://postgres@127.0.0.1:5432/postgres),
NATS_SERVER_BIN (default: on PATH, else /usr/sbin/nats-server). Build first: npx nx run-many -t build
--projects=gateway,catalog,content. Exit code 0 when measured, 1 when the run could not be measured.
`;

function parseOptions(argv) {
  const defaults = { duration: process.env.BENCH_DURATION ?? '15', connections: process.env.BENCH_CONNECTIONS ?? '50', entries: process.env.BENCH_ENTRIES ?? '200' };
  return parseIntOptions(argv, defaults, { duration: [1, 3600], connections: [1, 10_000], entries: [1, 100_000] });
}

// ---------------------------------------------------------------------------------------------
// Platform: catalog and content behind the gateway

async function startBenchPlatform() {
  const platform = await startPlatform(['catalog', 'content'], {}, { build: false });
  const { gateway, content, catalog, 'nats-server': nats } = platform.processes;
  return { url: platform.url, processes: { gateway, content, catalog, 'nats-server': nats } };
}

// ---------------------------------------------------------------------------------------------
// Seeding

async function call(gateway, method, path, body) {
  const res = await api(gateway, method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${res.text.slice(0, 400)}`);
  return res.body;
}

async function seed(gateway, count) {
  await call(gateway, 'POST', '/v1/content/types', {
    code: 'banner',
    name: 'Banner',
    fields: [
      { name: 'title', kind: 'text', required: true, localized: true },
      { name: 'body', kind: 'richText', localized: true },
      { name: 'image', kind: 'image' },
      { name: 'placement', kind: 'text' },
      { name: 'products', kind: 'list', of: 'productRef' },
    ],
  });
  const skus = [];
  for (let i = 0; i < 20; i++) {
    const product = await call(gateway, 'POST', '/v1/products', {
      slug: `bench-product-${i}`,
      name: { en: `Bench product ${i}` },
      status: 'active',
      channels: ['web', 'app'],
      variants: [{ sku: `BENCH-${i}` }],
    });
    skus.push(product.variants[0].sku);
  }
  const slugs = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const paragraph = (text) => ({ type: 'doc', children: [{ type: 'paragraph', children: [{ type: 'text', text }] }] });
      const entry = await call(gateway, 'POST', '/v1/content/entries', {
        type: 'banner',
        slug: `bench-banner-${i}`,
        fields: {
          title: { en: `Summer sale ${i}`, de: `Sommerschlussverkauf ${i}` },
          body: { en: paragraph('Light linen shirts, breathable cotton, everything for warm days, while stocks last.') },
          image: { url: `https://img.example.com/banner-${i}.jpg`, alt: 'Beach' },
          placement: 'home',
          products: [{ sku: skus[i % skus.length] }, { sku: skus[(i + 7) % skus.length] }],
        },
        variants: { app: { fields: { title: { en: `App-only deal ${i}` } } } },
      });
      await call(gateway, 'POST', `/v1/content/entries/${entry.id}/publish`);
      slugs[i] = entry.slug;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: Math.min(8, count) }, worker));
  log(`seeded ${count} published entries and ${skus.length} products in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return slugs;
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** Warm-up, then the measured run; both rotate through `paths`. */
function measure(label, origin, paths, headers, { duration, connections }, processes = {}) {
  let i = 0;
  const settings = { url: origin, connections, headers, requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }] };
  return warmUpAndMeasure(label, settings, { warmup: WARMUP_SECONDS, duration, processes });
}

function measureBare(options) {
  const paths = Array.from({ length: 200 }, (_, i) => barePath(i));
  return withBare((url, bare) => measure('bare NestJS + Fastify', url, paths, {}, options, { 'bare-nest': bare }));
}

async function bench(options) {
  const facts = machineFacts(1);
  const platform = await startBenchPlatform();
  const slugs = await seed(platform.url, options.entries);
  const headers = { 'x-api-key': 'dev-app' };
  const { body: probe } = await api(platform.url, 'GET', `/v1/content/delivery/banner/${slugs[0]}?locale=de-AT&resolve=products`, undefined, 'dev-app');
  if (probe?.variant !== 'app' || !probe.fields.products[0].product) throw new Error(`unexpected delivery: ${JSON.stringify(probe).slice(0, 400)}`);
  const plain = await measure('delivery by slug', platform.url, slugs.map((s) => `/v1/content/delivery/banner/${s}?locale=de-AT`), headers, options, platform.processes);
  const resolved = await measure('delivery + resolve=products', platform.url, slugs.map((s) => `/v1/content/delivery/banner/${s}?locale=de-AT&resolve=products`), headers, options, platform.processes);
  await cleanup();
  const bare = await measureBare(options);
  const results = [plain, resolved, bare];
  const out = ['', `content delivery: ${options.connections} connections, ${options.duration} s per shape after ${WARMUP_SECONDS} s warm-up, ${options.entries} entries; ${facts.cpus} cores, Node ${facts.node}, load average before ${facts.load}, ${facts.date}`, ''];
  out.push('| shape | req/s | p50 | p99 | failed | % of bare | CPU (100 % = one core) | machine busy |');
  out.push('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const cpu = Object.entries(r.cpuOfProcesses).filter(([name, share]) => name !== 'nats-server' || share > 0.01).map(([name, share]) => `${name} ${fmt(share * 100)} %`).join(', ');
    out.push(`| ${r.label} | ${fmt(r.rps)} | ${r.p50} ms | ${r.p99} ms | ${r.failed} | ${fmt((r.rps / bare.rps) * 100)} % | ${cpu} | ${fmt(r.machineBusy * 100)} % of ${facts.cpus * 100} % |`);
  }
  out.push('');
  process.stdout.write(out.join('\n') + '\n');
  if (results.some((r) => r.failed || !r.total)) {
    process.stdout.write('!!! some requests failed: these figures are not valid\n');
    return 1;
  }
  return 0;
}

process.exitCode = await runBench('content-get', HELP, parseOptions, bench);

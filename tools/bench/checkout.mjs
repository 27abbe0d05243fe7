#!/usr/bin/env node
// npm run bench:checkout: POST /v1/orders end to end through the gateway (quote, reservation, order),
// 3-line carts over many SKUs, then a run on scarce stock; checks that nothing was oversold.
import { randomInt } from 'node:crypto';
import { api, cleanup, cpuMeter, fmt, log, machineFacts, measureBare, ms, parseIntOptions, postgresPids, runAutocannon, runBench, sleep, startPlatform, waitFor, workCounters } from './platform.mjs';

const WARMUP_SECONDS = 3;
const TARGET_RPS = 300;
const CHANNEL_KEYS = ['dev-web', 'dev-app', 'dev-marketplace', 'dev-b2b'];
const SERVICES = ['catalog', 'pricing', 'inventory', 'orders'];
const SHIP_TO = { name: 'Bench Buyer', line1: 'Benchstraße 1', postalCode: '99084', city: 'Erfurt', country: 'DE' };

const HELP = `Usage: npm run bench:checkout -- [options]
       node tools/bench/checkout.mjs [options]

Measures POST /v1/orders through the gateway: each request is a new checkout (its own Idempotency-Key)
of a 3-line cart of random SKUs (1 unit each, delivery, guest), sent with 4 channel keys in turn
(dev-web, dev-app, dev-marketplace, dev-b2b). Each checkout runs the whole saga: a quote from pricing,
a reservation in the inventory (allocation rule), the order and its events in the orders database.
Two shapes, each after a ${WARMUP_SECONDS} s warm-up:

  many SKUs      carts over --skus SKUs with ample stock
  scarce stock   carts over 6 SKUs with --scarce units each: most checkouts are refused (409) once
                 they run out; measures refusals under contention and proves nothing is oversold

Then it checks that nothing was oversold (reserved never above on hand) and that the units reserved
are exactly the units of the confirmed orders, stops the platform, and measures the bare NestJS +
Fastify app of bench:products with the same settings (the yardstick of how fast the machine is now).
It starts its own platform: a private nats-server, fresh PostgreSQL databases for the catalog,
pricing, inventory and orders (dropped at the end), and the built apps (dist/apps/*/main.js as they
are: run \`npm run build\` after changing code).

Options (flag, or environment variable):
  --duration <s>       seconds measured per shape            BENCH_DURATION     (default 20)
  --connections <n>    concurrent connections                BENCH_CONNECTIONS  (default 50)
  --skus <n>           SKUs of the first shape (2 per product) BENCH_SKUS       (default 1000)
  --scarce <n>         units of each scarce SKU              BENCH_SCARCE       (default 300)
  --help               this text

Environment:
  DATABASE_URL         PostgreSQL server for the bench databases
                       (default postgres://postgres@127.0.0.1:5432/postgres)
  NATS_SERVER_BIN      nats-server binary (default: on PATH, else /usr/sbin/nats-server)
  BENCH_NODE_ARGS      extra node flags for the apps, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"

Exit code: 0 when the figures were measured, 1 when the run could not be measured or stock was
oversold or did not add up.
`;

async function seed(platform, skuCount, scarceUnits) {
  const gateway = platform.url;
  const products = Math.ceil(skuCount / 2) + 3;
  const skus = [];
  let next = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < products) {
      const i = next++;
      const variants = [{ sku: `CB-${platform.run}-${i}-A` }, { sku: `CB-${platform.run}-${i}-B` }];
      const res = await api(gateway, 'POST', '/v1/products', { slug: `bench-checkout-${platform.run}-${i}`, name: { en: `Bench ${i}` }, status: 'active', channels: ['web', 'app', 'marketplace', 'b2b'], variants });
      if (res.status !== 201) throw new Error(`POST /v1/products answered ${res.status}: ${res.text.slice(0, 300)}`);
      skus.push(...variants.map((v) => v.sku));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  log(`created ${products} products (${skus.length} SKUs) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await waitFor(undefined, `the inventory to know all ${skus.length} SKUs from catalog events`, async () => {
    const { rows } = await platform.databases.inventory.query('select count(*)::int as n from known_skus');
    return rows[0].n >= skus.length;
  });

  const list = await api(gateway, 'POST', '/v1/price-lists', { name: `bench-${platform.run}`, priority: 0 });
  if (list.status !== 201) throw new Error(`POST /v1/price-lists answered ${list.status}: ${list.text.slice(0, 300)}`);
  for (let i = 0; i < skus.length; i += 5000) {
    const prices = skus.slice(i, i + 5000).map((sku, j) => ({ sku, amount: 500 + ((i + j) % 50) * 100, currency: 'EUR' }));
    const res = await api(gateway, 'POST', `/v1/price-lists/${list.body.id}/prices/bulk`, { prices });
    if (res.status !== 200) throw new Error(`bulk prices answered ${res.status}: ${res.text.slice(0, 300)}`);
  }
  const location = await api(gateway, 'POST', '/v1/locations', {
    code: 'bench-central',
    name: 'Bench central warehouse',
    kind: 'warehouse',
    address: { line1: 'Benchstraße 1', postalCode: '99084', city: 'Erfurt', country: 'DE' },
    geo: { latitude: 50.98, longitude: 11.03 },
    channels: ['web', 'app', 'marketplace', 'b2b'],
    priority: 1,
    ships: true,
  });
  if (location.status !== 201) throw new Error(`POST /v1/locations answered ${location.status}: ${location.text.slice(0, 300)}`);
  const scarce = skus.slice(-6);
  const ample = skus.slice(0, -6);
  for (let i = 0; i < skus.length; i += 5000) {
    const items = skus.slice(i, i + 5000).map((sku) => ({ sku, locationId: location.body.id, onHand: scarce.includes(sku) ? scarceUnits : 10_000_000 }));
    const res = await api(gateway, 'POST', '/v1/stock/bulk', { items, reference: 'bench' });
    if (res.status !== 200) throw new Error(`POST /v1/stock/bulk answered ${res.status}: ${res.text.slice(0, 300)}`);
  }
  log(`priced and stocked ${skus.length} SKUs (${scarce.length} of them with ${scarceUnits} units)`);
  return { ample, scarce };
}

/** Three distinct SKUs of `skus`. */
function cart(skus) {
  const picked = new Set();
  while (picked.size < 3) picked.add(skus[randomInt(skus.length)]);
  return [...picked].map((sku) => ({ sku, quantity: 1 }));
}

async function measure(label, platform, skus, { duration, connections }) {
  let n = 0;
  const prefix = `${platform.run}-${label.replace(/\W+/g, '-')}`;
  const settings = {
    url: platform.url,
    connections,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const i = n++;
          return {
            ...req,
            path: '/v1/orders',
            headers: { 'content-type': 'application/json', 'x-api-key': CHANNEL_KEYS[i % CHANNEL_KEYS.length], 'idempotency-key': `${prefix}-${i}` },
            body: JSON.stringify({ currency: 'EUR', lines: cart(skus), fulfilment: { type: 'delivery', address: SHIP_TO } }),
          };
        },
      },
    ],
  };
  log(`${label}: warm-up ${WARMUP_SECONDS} s…`);
  const warm = await runAutocannon({ ...settings, duration: WARMUP_SECONDS });
  log(`${label}: measuring ${duration} s with ${connections} connections…`);
  const cpu = cpuMeter({ ...platform.processes, 'postgres (bench databases)': await postgresPids(platform.databases.orders, platform.run) });
  const before = await workCounters(platform);
  const r = await runAutocannon({ ...settings, duration });
  const cpuShare = cpu();
  await sleep(1000); // pg_stat_database lags, and the outbox relays trail the requests
  const after = await workCounters(platform);
  const per = (n) => n / Math.max(r.requests.total, 1);
  const status = (code) => r.statusCodeStats?.[code]?.count ?? 0;
  return {
    label,
    cpuShare,
    work: {
      natsMsgs: per(after.natsMsgs - before.natsMsgs),
      databases: Object.fromEntries(Object.keys(after.databases).map((s) => [s, { xacts: per(after.databases[s].xacts - before.databases[s].xacts), writes: per(after.databases[s].writes - before.databases[s].writes) }])),
    },
    rps: r.requests.average,
    placed: status('201') / duration,
    refused: status('409'),
    p50: r.latency.p50,
    p99: r.latency.p99,
    ok: r['2xx'],
    unexpected: r.non2xx - status('409') + (warm.non2xx - (warm.statusCodeStats?.['409']?.count ?? 0)),
    errors: r.errors + warm.errors + r.timeouts + warm.timeouts,
  };
}

/** Oversold levels, and whether reserved units equal the units of confirmed orders. */
async function stockCheck(platform) {
  const { rows: levels } = await platform.databases.inventory.query(
    `select (select coalesce(sum(reserved), 0) from stock_levels)::bigint as reserved,
            (select count(*) from stock_levels where reserved > on_hand or available < 0)::int as oversold`,
  );
  const { rows: orders } = await platform.databases.orders.query(
    "select count(*)::int as orders, coalesce(sum((l->>'quantity')::int), 0)::bigint as units from orders o, jsonb_array_elements(o.lines) l where o.status = 'confirmed'",
  );
  const { rows: open } = await platform.databases.orders.query("select count(*)::int as n from checkouts where status in ('running', 'compensating')");
  return { reserved: Number(levels[0].reserved), oversold: levels[0].oversold, units: Number(orders[0].units), open: open[0].n };
}

function parseOptions(argv) {
  return parseIntOptions(
    argv,
    { duration: process.env.BENCH_DURATION ?? '20', connections: process.env.BENCH_CONNECTIONS ?? '50', skus: process.env.BENCH_SKUS ?? '1000', scarce: process.env.BENCH_SCARCE ?? '300' },
    { duration: [1, 3600], connections: [1, 10_000], skus: [10, 200_000], scarce: [1, 1_000_000] },
  );
}

async function bench(options) {
  const facts = machineFacts();
  const platform = await startPlatform(SERVICES, { gateway: { ORDER_TIMEOUT_MS: '30000' } });
  const { ample, scarce } = await seed(platform, options.skus, options.scarce);
  const probe = await api(platform.url, 'POST', '/v1/orders', { currency: 'EUR', lines: cart(ample), fulfilment: { type: 'delivery', address: SHIP_TO } }, 'dev-web', { 'idempotency-key': `${platform.run}-probe` });
  if (probe.status !== 201) throw new Error(`a probe checkout answered ${probe.status}: ${probe.text.slice(0, 300)}`);

  const many = await measure('many SKUs', platform, ample, options);
  const tight = await measure('scarce stock', platform, scarce, options);

  await waitFor(undefined, 'the checkouts the load generator cut off to finish', async () => (await stockCheck(platform)).open === 0, 60_000);
  await sleep(500);
  const check = await stockCheck(platform);
  const consistent = check.oversold === 0 && check.reserved === check.units;
  await cleanup();
  const bare = await measureBare(options);

  const out = [''];
  out.push(`POST /v1/orders (3-line carts, guest, delivery, 4 channel keys): ${options.connections} connections, ${options.duration} s after a ${WARMUP_SECONDS} s warm-up`);
  out.push(`machine: ${facts.cpus} × ${facts.model}, Node ${facts.node}, load average before the run ${facts.load}, ${facts.date}`);
  out.push('');
  const header = ['shape', 'orders/s', 'requests/s', 'p50', 'p99', '409 (refused)', 'other non-2xx/errors'];
  const table = [many, tight].map((r) => [`${r.label}${r.label === 'many SKUs' ? ` (${fmt(ample.length)})` : ` (${scarce.length} × ${fmt(options.scarce)} units)`}`, fmt(r.placed), fmt(r.rps), ms(r.p50), ms(r.p99), fmt(r.refused), fmt(r.unexpected + r.errors)]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => row[c].length)));
  const line = (cells) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  out.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...table.map(line), '');
  out.push(`bare NestJS + Fastify GET (the yardstick of bench:products, same settings): ${fmt(bare.rps)} req/s, p99 ${ms(bare.p99)}`);
  for (const r of [many, tight]) {
    const dbs = Object.entries(r.work.databases).filter(([, w]) => w.xacts >= 0.005);
    out.push(`work per request, ${r.label}: ${fmt(r.work.natsMsgs, 1)} NATS messages; database transactions ${dbs.map(([s, w]) => `${s} ${fmt(w.xacts, 2)}`).join(', ')}; rows written ${dbs.map(([s, w]) => `${s} ${fmt(w.writes, 1)}`).join(', ')}`);
  }
  for (const r of [many, tight]) out.push(`CPU during the ${r.label} run (100 % = one core): ${Object.entries(r.cpuShare).map(([name, share]) => `${name} ${fmt(share * 100)} %`).join(', ')}`);
  out.push(`oversell check: ${check.oversold} stock levels with reserved above on hand; ${fmt(check.reserved)} units reserved, ${fmt(check.units)} units on confirmed orders: ${consistent ? 'no oversell, they add up' : 'OVERSOLD OR NOT ADDING UP'}`);
  const others = Math.max(many.cpuShare['other processes'], tight.cpuShare['other processes']);
  if (others > 0.25) out.push(`NOTE: other processes used up to ${fmt(others * 100)} % of a core during the runs: these figures are noisy, measure again on a quiet machine`);
  const failed = [many, tight].some((r) => r.unexpected || r.errors);
  out.push(`target (≥ ${fmt(TARGET_RPS)} orders/s, zero oversell): ${failed ? 'not judged, requests failed' : many.placed >= TARGET_RPS && consistent ? 'met' : 'MISSED'}`);
  out.push('', 'Markdown row (date | machine | Node | orders/s | p50 | p99 | scarce: req/s | p99 | oversold | bare NestJS req/s | other CPU):');
  out.push(
    `| ${facts.date.slice(0, 16).replace('T', ' ')} | ${facts.cpus} × ${facts.model} | ${facts.node} | ${fmt(many.placed)} | ${ms(many.p50)} | ${ms(many.p99)} | ${fmt(tight.rps)} | ${ms(tight.p99)} | ${check.oversold} | ${fmt(bare.rps)} | ${fmt(others * 100)} % |`,
    '',
  );
  process.stdout.write(out.join('\n') + '\n');
  if (failed) process.stdout.write('\n!!! some requests failed: THESE FIGURES ARE NOT VALID\n');
  return failed || !consistent ? 1 : 0;
}

process.exitCode = await runBench('bench:checkout', HELP, parseOptions, bench);

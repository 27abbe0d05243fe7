#!/usr/bin/env node
// npm run bench:reservations: POST /v1/reservations through the gateway, across many SKUs and on one
// hot SKU, then checks that the stock figures add up. See docs/performance.md.
import { api, cleanup, cpuMeter, fmt, log, machineFacts, measureBare, ms, parseIntOptions, postgresPids, runAutocannon, runBench, sleep, startPlatform, waitFor, workCounters } from './platform.mjs';

const WARMUP_SECONDS = 3;
const TARGET_RPS = 1500;
const CHANNEL_KEYS = ['dev-web', 'dev-app', 'dev-marketplace', 'dev-b2b'];

const HELP = `Usage: npm run bench:reservations -- [options]
       node tools/bench/reservations.mjs [options]

Measures POST /v1/reservations (one line of 1 unit, a new reservation key each time, no location:
the allocation rule picks it) through the gateway with 4 channel keys (dev-web, dev-app,
dev-marketplace, dev-b2b) in turn, in two shapes, each after a ${WARMUP_SECONDS} s warm-up:

  across SKUs   every request reserves a random SKU of --skus (stock never runs out)
  hot SKU       every request reserves the same SKU: all of them queue for one row lock

Then it checks that the units reserved on the stock levels are exactly the units the active
reservations hold, stops the platform, and measures the bare NestJS + Fastify app of bench:products
(GET, ~1 KB from memory) with the same settings: the yardstick of how fast the machine is right now.
It starts its own platform: a private nats-server (free port, temporary store), fresh PostgreSQL
databases for the catalog and the inventory (dropped at the end), and the built catalog, inventory
and gateway (dist/apps/*/main.js as they are: run \`npm run build\` after changing code).

Options (flag, or environment variable):
  --duration <s>       seconds measured per shape            BENCH_DURATION     (default 20)
  --connections <n>    concurrent connections                BENCH_CONNECTIONS  (default 50)
  --skus <n>           SKUs reserved across (2 per product)  BENCH_SKUS         (default 2000)
  --help               this text

Environment:
  DATABASE_URL         PostgreSQL server for the bench databases
                       (default postgres://postgres@127.0.0.1:5432/postgres)
  NATS_SERVER_BIN      nats-server binary (default: on PATH, else /usr/sbin/nats-server)
  BENCH_NODE_ARGS      extra node flags for the apps, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
  other variables      reach the apps unchanged, e.g. DATABASE_POOL_SIZE=20

Exit code: 0 when the figures were measured, 1 when the run could not be measured or the stock
figures did not add up.
`;

function parseOptions(argv) {
  const defaults = { duration: process.env.BENCH_DURATION ?? '20', connections: process.env.BENCH_CONNECTIONS ?? '50', skus: process.env.BENCH_SKUS ?? '2000' };
  return parseIntOptions(argv, defaults, { duration: [1, 3600], connections: [1, 10_000], skus: [2, 200_000] });
}

// ---------------------------------------------------------------------------------------------
// Platform: catalog, inventory and gateway, with counters of the work behind each reservation

async function startBenchPlatform() {
  const platform = await startPlatform(['catalog', 'inventory']);
  const inventoryDb = platform.databases.inventory;
  /** NATS messages so far, and transactions and rows written in the inventory database. */
  const counters = async () => {
    const { natsMsgs, databases } = await workCounters(platform);
    return { natsMsgs, dbXacts: databases.inventory.xacts, dbWrites: databases.inventory.writes };
  };
  return { ...platform, inventoryDb, counters };
}

// ---------------------------------------------------------------------------------------------
// Seeding: products (their SKUs reach the inventory through catalog events), one warehouse, stock

async function seed(platform, skuCount) {
  const gateway = platform.url;
  const products = Math.ceil(skuCount / 2);
  const skus = [];
  let next = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < products) {
      const i = next++;
      const variants = [{ sku: `RB-${platform.run}-${i}-A` }, { sku: `RB-${platform.run}-${i}-B` }];
      const res = await api(gateway, 'POST', '/v1/products', { slug: `bench-res-${platform.run}-${i}`, name: { en: `Bench ${i}` }, status: 'active', channels: ['web', 'app', 'marketplace', 'b2b'], variants });
      if (res.status !== 201) throw new Error(`POST /v1/products answered ${res.status}: ${res.text.slice(0, 300)}`);
      skus.push(...variants.map((v) => v.sku));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  log(`created ${products} products (${skus.length} SKUs) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await waitFor(undefined, `the inventory to know all ${skus.length} SKUs from catalog events`, async () => {
    const { rows } = await platform.inventoryDb.query('select count(*)::int as n from known_skus');
    return rows[0].n >= skus.length;
  });
  const location = await api(gateway, 'POST', '/v1/locations', {
    code: 'bench-central',
    name: 'Bench central warehouse',
    kind: 'warehouse',
    address: { line1: 'Benchstraße 1', postalCode: '99084', city: 'Erfurt', country: 'DE' },
    geo: { latitude: 50.98, longitude: 11.03 },
    channels: ['web', 'app', 'marketplace', 'b2b'],
    priority: 1,
  });
  if (location.status !== 201) throw new Error(`POST /v1/locations answered ${location.status}: ${location.text.slice(0, 300)}`);
  // Enough stock that no reservation of the run is refused.
  for (let i = 0; i < skus.length; i += 5000) {
    const items = skus.slice(i, i + 5000).map((sku) => ({ sku, locationId: location.body.id, onHand: 10_000_000 }));
    const res = await api(gateway, 'POST', '/v1/stock/bulk', { items, reference: 'bench' });
    if (res.status !== 200) throw new Error(`POST /v1/stock/bulk answered ${res.status}: ${res.text.slice(0, 300)}`);
  }
  log(`stocked ${skus.length} SKUs at ${location.body.code}`);
  return { skus, locationId: location.body.id };
}

// ---------------------------------------------------------------------------------------------
// Measuring
/** Warm-up, then the measured run; every request is a new reservation of one unit of `pickSku()`. */
async function measure(label, platform, pickSku, { duration, connections }) {
  let n = 0;
  const prefix = `${platform.run}-${label.replace(/\W+/g, '-')}`;
  const settings = {
    url: platform.url,
    connections,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const i = n++;
          return {
            ...req,
            path: '/v1/reservations',
            headers: { 'content-type': 'application/json', 'x-api-key': CHANNEL_KEYS[i % CHANNEL_KEYS.length] },
            body: JSON.stringify({ key: `${prefix}-${i}`, lines: [{ sku: pickSku(), quantity: 1 }] }),
          };
        },
      },
    ],
  };
  log(`${label}: warm-up ${WARMUP_SECONDS} s…`);
  const warm = await runAutocannon({ ...settings, duration: WARMUP_SECONDS });
  log(`${label}: measuring ${duration} s with ${connections} connections…`);
  const cpu = cpuMeter({ ...platform.processes, 'postgres (bench databases)': await postgresPids(platform.inventoryDb, platform.run) });
  const before = await platform.counters();
  const r = await runAutocannon({ ...settings, duration });
  const cpuShare = cpu();
  // pg_stat_database lags by up to half a second (PGSTAT_MIN_INTERVAL) and the relay trails the requests.
  await sleep(1000);
  const after = await platform.counters();
  const per = (k) => (after[k] - before[k]) / Math.max(r.requests.total, 1);
  return { label, cpuShare, work: { natsMsgs: per('natsMsgs'), dbXacts: per('dbXacts'), dbWrites: per('dbWrites') }, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total, created: warm['2xx'] + r['2xx'], ok: r['2xx'], non2xx: r.non2xx + warm.non2xx, errors: r.errors + warm.errors, timeouts: r.timeouts + warm.timeouts };
}

// ---------------------------------------------------------------------------------------------

async function bench(options) {
  const facts = machineFacts();
  const platform = await startBenchPlatform();
  const { skus } = await seed(platform, options.skus);
  const probe = await api(platform.url, 'POST', '/v1/reservations', { key: `${platform.run}-probe`, lines: [{ sku: skus[0], quantity: 1 }] }, 'dev-web');
  if (probe.status !== 201) throw new Error(`a probe reservation answered ${probe.status}: ${probe.text.slice(0, 300)}`);

  const across = await measure('across SKUs', platform, () => skus[Math.floor(Math.random() * skus.length)], options);
  const hot = await measure('hot SKU', platform, () => skus[1], options);

  // Units reserved on the stock levels must be exactly the units the active reservations hold. (The
  // load generator cuts off requests in flight when it stops, so it saw at least this many 201s.)
  await sleep(2000); // requests the load generator cut off may still be finishing in the apps
  const { rows } = await platform.inventoryDb.query(
    `select (select coalesce(sum(reserved), 0) from stock_levels)::int as reserved,
            (select count(*) from stock_levels where available <> greatest(on_hand - reserved, 0))::int as broken`,
  );
  const { rows: held } = await platform.inventoryDb.query("select count(distinct r.id)::int as n, coalesce(sum((l->>'quantity')::int), 0)::int as units from reservations r, jsonb_array_elements(r.lines) l where r.status = 'active'");
  const seen = 1 + across.created + hot.created;
  const consistent = rows[0].reserved === held[0].units && held[0].n >= seen && rows[0].broken === 0;
  // Our platform stops first, so the yardstick does not share the cores with idle apps.
  await cleanup();
  const bare = await measureBare(options);

  const out = [''];
  out.push(`POST /v1/reservations (1 line of 1 unit, 4 channel keys, allocation rule): ${options.connections} connections, ${options.duration} s after a ${WARMUP_SECONDS} s warm-up`);
  out.push(`machine: ${facts.cpus} × ${facts.model}, Node ${facts.node}, load average before the run ${facts.load}, ${facts.date}`);
  out.push('');
  const header = ['shape', 'reservations/s', 'p50', 'p99', 'non-2xx/errors'];
  const table = [across, hot].map((r) => [`${r.label}${r.label === 'across SKUs' ? ` (${fmt(skus.length)})` : ''}`, fmt(r.rps), ms(r.p50), ms(r.p99), fmt(r.non2xx + r.errors + r.timeouts)]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => row[c].length)));
  const line = (cells) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  out.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...table.map(line), '');
  out.push(`bare NestJS + Fastify GET (the yardstick of bench:products, same settings): ${fmt(bare.rps)} req/s, p99 ${ms(bare.p99)}; reservations across SKUs are ${fmt((across.rps / bare.rps) * 100, 1)} % of it`);
  for (const r of [across, hot]) out.push(`CPU during the ${r.label} run (100 % = one core): ${Object.entries(r.cpuShare).map(([name, share]) => `${name} ${fmt(share * 100)} %`).join(', ')}`);
  // CPU per reservation is steadier than req/s on a shared machine: other load slows us, it adds little to this.
  for (const r of [across, hot]) out.push(`work per reservation, ${r.label}: ${fmt(r.work.natsMsgs, 1)} NATS messages, ${fmt(r.work.dbXacts, 2)} inventory database transactions, ${fmt(r.work.dbWrites, 1)} rows written`);
  for (const r of [across, hot]) {
    const per = Object.entries(r.cpuShare).filter(([name]) => name !== 'other processes').map(([name, share]) => [name, (share * 1e6) / r.rps]);
    out.push(`CPU per reservation, ${r.label}: ${per.map(([name, us]) => `${name} ${fmt(us)} µs`).join(', ')}; platform total ${fmt(per.filter(([n]) => n !== 'load generator').reduce((a, [, us]) => a + us, 0))} µs`);
  }
  out.push(
    `consistency: ${fmt(held[0].n)} active reservations holding ${fmt(held[0].units)} units (${fmt(seen)} 201s seen by the load generator), ${fmt(rows[0].reserved)} units reserved on the stock levels, ` +
      `${rows[0].broken} levels with a wrong available figure: ${consistent ? 'they add up' : 'THEY DO NOT ADD UP'}`,
  );
  const others = Math.max(across.cpuShare['other processes'], hot.cpuShare['other processes']);
  if (others > 0.25) out.push(`NOTE: other processes used up to ${fmt(others * 100)} % of a core during the runs: these figures are noisy, measure again on a quiet machine`);
  const failed = [across, hot].some((r) => r.non2xx || r.errors || r.timeouts);
  out.push(`target (≥ ${fmt(TARGET_RPS)} reservations/s across SKUs): ${failed ? 'not judged, requests failed' : across.rps >= TARGET_RPS ? 'met' : 'MISSED'}`);
  out.push('', 'Markdown row (date | machine | Node | across SKUs /s | p50 | p99 | hot SKU /s | p50 | p99 | bare NestJS req/s | other CPU):');
  out.push(
    `| ${facts.date.slice(0, 16).replace('T', ' ')} | ${facts.cpus} × ${facts.model} | ${facts.node} | ${fmt(across.rps)} | ${ms(across.p50)} | ${ms(across.p99)} | ${fmt(hot.rps)} | ${ms(hot.p50)} | ${ms(hot.p99)} | ${fmt(bare.rps)} | ${fmt(others * 100)} % |`,
    '',
  );
  process.stdout.write(out.join('\n') + '\n');
  if (failed) process.stdout.write('\n!!! some requests failed: THESE FIGURES ARE NOT VALID\n');
  return failed || !consistent ? 1 : 0;
}

process.exitCode = await runBench('bench:reservations', HELP, parseOptions, bench);

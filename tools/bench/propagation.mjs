#!/usr/bin/env node
// npm run bench:propagation: time from a stock change at the gateway to its entry in the feeds of five
// sales channels, under a steady load of changes. See docs/performance.md.
import { api, log, machineFacts, parseIntOptions, runBench, sleep, startPlatform, waitFor, wasInterrupted } from './platform.mjs';

// Longer than the platform's usual minute: five apps start (and learn the SKUs) on a machine that may be busy.
const READY_TIMEOUT_MS = 90_000;
const TARGET_P99_MS = 500;
const CHANNELS = [
  { code: 'web', kind: 'web', catalogChannel: 'web' },
  { code: 'app', kind: 'app', catalogChannel: 'app' },
  { code: 'pos-1', kind: 'pos', catalogChannel: 'pos' },
  { code: 'pos-2', kind: 'pos', catalogChannel: 'pos' },
  { code: 'marketplace', kind: 'marketplace', catalogChannel: 'marketplace' },
];
const SERVICES = ['catalog', 'pricing', 'inventory', 'channels'];

const HELP = `Usage: npm run bench:propagation -- [options]
       node tools/bench/propagation.mjs [options]

Measures propagation: the time from the HTTP response of a stock change (PUT /v1/stock/{location}/{sku}
through the gateway) to the entry carrying the new quantity (or a later one of the same SKU: changes
that arrive together are applied together) in the feeds of ${CHANNELS.length} sales channels
(${CHANNELS.map((c) => c.code).join(', ')}), all supplied by one warehouse. Entries are received on one
Server-Sent Events stream per channel (GET /v1/channels/{channel}/stream). The changes come at a steady
rate, open loop (the next one does not wait for the previous one), over random products.

It starts its own platform: a private nats-server (JetStream, temporary store, free port), fresh
PostgreSQL databases omnibus_bench_<service>_<random> (dropped at the end), and the built catalog,
pricing, inventory, channels and gateway (dist/apps/*/main.js as they are: run \`npm run build\`
after changing code).

Options (flag, or environment variable):
  --duration <s>     seconds of steady load                         BENCH_DURATION  (default 30)
  --rate <n>         stock changes per second                        BENCH_RATE      (default 20)
  --products <n>     products (one SKU each) the changes go to       BENCH_PRODUCTS  (default 100)
  --help             this text

Environment: DATABASE_URL (PostgreSQL server, default postgres://postgres@127.0.0.1:5432/postgres),
NATS_SERVER_BIN (nats-server binary). Exit code 0 when measured (whatever the figures), 1 when the run
could not be measured or entries were lost.
`;

function parseOptions(argv) {
  const defaults = { duration: process.env.BENCH_DURATION ?? '30', rate: process.env.BENCH_RATE ?? '20', products: process.env.BENCH_PRODUCTS ?? '100' };
  return parseIntOptions(argv, defaults, { duration: [1, 3600], rate: [1, 2000], products: [1, 10_000] });
}

async function must(gateway, method, path, body, expected = [200, 201]) {
  const res = await api(gateway, method, path, body);
  if (!expected.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body;
}

/** One SSE stream per channel; calls `onEntry(channel, entry, receivedAt)` for each entry. */
async function openStreams(gateway, after, onEntry) {
  const controllers = [];
  for (const { code } of CHANNELS) {
    const controller = new AbortController();
    controllers.push(controller);
    const res = await fetch(`${gateway}/v1/channels/${code}/stream`, { headers: { 'x-api-key': 'dev-admin', 'last-event-id': after[code] }, signal: controller.signal });
    if (res.status !== 200) throw new Error(`GET /v1/channels/${code}/stream answered ${res.status}`);
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body) {
          const receivedAt = performance.now();
          buffer += decoder.decode(chunk, { stream: true });
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = /^data: (.*)$/m.exec(block);
            if (data && /^event: entry$/m.test(block)) onEntry(code, JSON.parse(data[1]), receivedAt);
          }
        }
      } catch {
        /* aborted at the end */
      }
    })();
  }
  return () => controllers.forEach((c) => c.abort());
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function bench(options) {
  const platform = await startPlatform(SERVICES, {}, { build: false, readyTimeoutMs: READY_TIMEOUT_MS });
  const gateway = platform.url;

  // One warehouse supplies all five channels: a stock change there concerns every one of them.
  const location = await must(gateway, 'POST', '/v1/locations', {
    code: 'bench-central',
    kind: 'warehouse',
    name: 'Bench warehouse',
    address: { line1: 'Benchweg 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
    geo: { latitude: 52.5, longitude: 13.4 },
    channels: CHANNELS.map((c) => c.code),
  });
  for (const c of CHANNELS) {
    await must(gateway, 'POST', '/v1/channels', { code: c.code, name: `Bench ${c.code}`, kind: c.kind, locales: ['en'], assortment: { catalogChannel: c.catalogChannel }, priceScope: { currency: 'EUR' } });
  }
  const { run } = platform;
  const items = Array.from({ length: options.products }, (_, i) => ({
    slug: `bench-${run}-${i}`,
    name: { en: `Bench product ${i}` },
    status: 'active',
    channels: ['web', 'app', 'pos', 'marketplace'],
    variants: [{ sku: `BENCH-${run}-${i}` }],
  }));
  const skus = items.map((p) => p.variants[0].sku);
  for (let i = 0; i < items.length; i += 500) await must(gateway, 'POST', '/v1/products/bulk', { items: items.slice(i, i + 500) });
  const quantity = new Map(skus.map((sku) => [sku, 1]));
  // Inventory takes stock for a SKU once the catalog's event reached it.
  await waitFor(
    null,
    'inventory to know the bench SKUs',
    async () => (await api(gateway, 'POST', '/v1/stock/bulk', { items: skus.map((sku) => ({ sku, locationId: location.id, onHand: 1 })) })).status === 200,
    READY_TIMEOUT_MS,
  );
  const after = {};
  await waitFor(
    null,
    'every channel view to hold every bench product with its stock',
    async () => {
      for (const { code } of CHANNELS) {
        const sync = await must(gateway, 'GET', `/v1/channels/${code}/sync`);
        if (sync.snapshot.status !== 'ready' || sync.feed.products < options.products) return false;
        after[code] = sync.feed.lastCursor;
      }
      // The initial stock entries are in: nothing more is pending for the bench SKUs.
      await sleep(1000);
      for (const { code } of CHANNELS) if ((await must(gateway, 'GET', `/v1/channels/${code}/sync`)).feed.lastCursor !== after[code]) return false;
      return true;
    },
    180_000,
  );
  log(`seeded ${options.products} products in ${CHANNELS.length} channels`);

  // change key "sku=quantity" → { sentAt (response), arrivals per channel }. Quantities only grow, so an
  // entry with a SKU's quantity q also brings every earlier change of it to that channel: the channels
  // service applies the stock changes that wait together, and a feed shows the latest figure.
  const changes = new Map();
  const arrivals = [];
  let early = 0;
  let superseded = 0;
  const shown = new Map(); // "channel sku" → the highest quantity received
  const closeStreams = await openStreams(gateway, after, (channel, entry, receivedAt) => {
    for (const [sku, variant] of Object.entries(entry.changes?.variants ?? {})) {
      if (variant?.available === undefined) continue;
      const from = shown.get(`${channel} ${sku}`) ?? 0;
      if (variant.available <= from) continue;
      shown.set(`${channel} ${sku}`, variant.available);
      for (let q = from + 1; q <= variant.available; q++) {
        const change = changes.get(`${sku}=${q}`);
        if (!change || change.arrived.has(channel)) continue;
        if (q < variant.available) superseded++;
        change.arrived.set(channel, receivedAt);
        change.appendedAt.set(channel, Date.parse(entry.occurredAt));
        change.receivedWall.set(channel, Date.now());
        if (change.respondedAt !== undefined) arrivals.push(Math.max(0, receivedAt - change.respondedAt));
        else early++;
      }
    }
  });
  await sleep(500);

  log(`measuring: ${options.rate} stock changes/s for ${options.duration} s…`);
  const total = options.rate * options.duration;
  const intervalMs = 1000 / options.rate;
  const startedAt = performance.now();
  let failed = 0;
  const inFlight = [];
  for (let i = 0; i < total && !wasInterrupted(); i++) {
    const due = startedAt + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const sku = skus[Math.floor(Math.random() * skus.length)];
    const onHand = quantity.get(sku) + 1;
    quantity.set(sku, onHand);
    const change = { arrived: new Map(), appendedAt: new Map(), receivedWall: new Map(), respondedAt: undefined, respondedWall: undefined };
    changes.set(`${sku}=${onHand}`, change);
    inFlight.push(
      api(gateway, 'PUT', `/v1/stock/${location.id}/${sku}`, { onHand }).then((res) => {
        change.respondedAt = performance.now();
        change.respondedWall = Date.now();
        if (res.status !== 200) failed++;
        // Entries that arrived before the response count as 0 ms.
        for (const at of change.arrived.values()) arrivals.push(Math.max(0, at - change.respondedAt));
      }),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - startedAt) / 1000;
  await waitFor(null, 'the last entries to arrive', async () => [...changes.values()].every((c) => c.arrived.size === CHANNELS.length), 30_000).catch(() => undefined);
  closeStreams();

  const all = [...changes.values()];
  const complete = all.filter((c) => c.arrived.size === CHANNELS.length && c.respondedAt !== undefined);
  const lost = all.reduce((n, c) => n + CHANNELS.length - c.arrived.size, 0);
  const perEntry = [...arrivals].sort((a, b) => a - b);
  const allFive = complete.map((c) => Math.max(0, Math.max(...c.arrived.values()) - c.respondedAt)).sort((a, b) => a - b);
  const fmt = (n) => (Number.isFinite(n) ? `${n.toFixed(0)} ms` : '–');
  // Where the time goes: until the channels service appended the entry (its clock), then until the SSE client had it.
  const toAppend = complete.flatMap((c) => [...c.appendedAt.values()].map((at) => Math.max(0, at - c.respondedWall))).sort((a, b) => a - b);
  const toClient = complete.flatMap((c) => [...c.appendedAt.entries()].map(([ch, at]) => Math.max(0, c.receivedWall.get(ch) - at))).sort((a, b) => a - b);
  const facts = machineFacts();
  const out = [
    '',
    `Propagation of stock changes to ${CHANNELS.length} channel feeds (SSE): ${all.length} changes in ${elapsed.toFixed(1)} s (${(all.length / elapsed).toFixed(1)}/s), ${options.products} products`,
    `machine: ${facts.cpus} × ${facts.model}, Node ${facts.node}, load average ${facts.load}, ${facts.date}`,
    '',
    `time from the PUT response to the entry in all ${CHANNELS.length} feeds: p50 ${fmt(percentile(allFive, 50))}, p90 ${fmt(percentile(allFive, 90))}, p99 ${fmt(percentile(allFive, 99))}, max ${fmt(allFive[allFive.length - 1])}`,
    `time to the entry in one feed (${perEntry.length} entries):        p50 ${fmt(percentile(perEntry, 50))}, p90 ${fmt(percentile(perEntry, 90))}, p99 ${fmt(percentile(perEntry, 99))}`,
    `  of which: response → entry appended p50 ${fmt(percentile(toAppend, 50))}, p99 ${fmt(percentile(toAppend, 99))}; appended → received on the stream p50 ${fmt(percentile(toClient, 50))}, p99 ${fmt(percentile(toClient, 99))}`,
    `failed changes: ${failed}; changes not shown in a feed: ${lost}; shown by a later entry of the same SKU (applied together): ${superseded}${early ? `; ${early} arrived before their PUT answered (counted as 0 ms)` : ''}`,
    `target (p99 in all ${CHANNELS.length} feeds < ${TARGET_P99_MS} ms): ${failed || lost ? 'not judged, changes failed or entries were lost' : percentile(allFive, 99) < TARGET_P99_MS ? 'met' : 'MISSED'}`,
    '',
    'Markdown row for docs/performance.md (date | machine | changes/s | p50 all feeds | p99 all feeds | p99 one feed | lost):',
    `| ${facts.date.slice(0, 16).replace('T', ' ')} UTC | ${facts.cpus} × ${facts.model} | ${(all.length / elapsed).toFixed(0)} | ${fmt(percentile(allFive, 50))} | ${fmt(percentile(allFive, 99))} | ${fmt(percentile(perEntry, 99))} | ${lost} |`,
    '',
  ];
  process.stdout.write(out.join('\n'));
  return failed || lost ? 1 : 0;
}

// Exits explicitly: a stream the gateway kept open must not keep the process alive.
process.exit(await runBench('bench:propagation', HELP, parseOptions, bench));

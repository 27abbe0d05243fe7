#!/usr/bin/env node
// What telemetry costs: the product-detail benchmark (tools/bench/products-get.mjs, read caches off, so
// every request fans out to catalog, pricing and inventory over NATS) run four times — telemetry off,
// the default (metrics only), traces to a collector that takes them, traces to a collector that is not
// there — and printed side by side. Usage: node tools/bench/telemetry.mjs [--duration <s>] [--connections <n>]
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: node tools/bench/telemetry.mjs [--duration <s>] [--connections <n>]   (options go to tools/bench/products-get.mjs)');
  process.exit(0);
}
const passOn = args.length ? args : ['--duration', '10'];

// A stand-in collector: takes OTLP/HTTP exports and counts them (a real one runs on another machine).
let exports = 0;
let bytes = 0;
const sink = createServer((request, response) => {
  request.on('data', (chunk) => (bytes += chunk.length));
  request.on('end', () => {
    exports++;
    response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkUrl = `http://127.0.0.1:${sink.address().port}`;

const CACHES_OFF = { PRODUCT_CACHE_SIZE: '0', PRICE_CACHE_SIZE: '0', AVAILABILITY_CACHE_SIZE: '0' };
const CONFIGS = [
  { label: 'telemetry off (OTEL_SDK_DISABLED=true)', env: { OTEL_SDK_DISABLED: 'true' } },
  { label: 'default: /metrics, no traces', env: {} },
  { label: 'traces to a collector', env: { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl }, counts: true },
  // Port 9 (discard) on loopback: connections are refused at once.
  { label: 'traces to a collector that is down', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' } },
];

function bench(env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'tools/bench/products-get.mjs'), ...passOn], {
      cwd: ROOT,
      env: { ...process.env, ...CACHES_OFF, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

const rows = [];
for (const config of CONFIGS) {
  const before = { exports, bytes };
  process.stderr.write(`[telemetry bench] ${config.label} …\n`);
  const { code, out } = await bench(config.env);
  const row = out.split('\n').find((l) => l.startsWith('| ') && l.includes(' UTC |'));
  if (code !== 0 || !row) {
    process.stderr.write(out);
    rows.push({ label: config.label, failed: true });
    continue;
  }
  // | date | machine | Node | gateway req/s | p50 | p99 | bare req/s | gateway/bare | non-2xx | other CPU |
  const cells = row.split('|').map((c) => c.trim()).filter(Boolean);
  // CPU per request of the Omnibus processes: less sensitive than req/s to other work on the machine.
  const cpuLine = out.split('\n').find((l) => l.startsWith('CPU during the gateway'));
  const shares = [...(cpuLine ?? '').matchAll(/(gateway|catalog|pricing|inventory|nats-server) ([\d.,]+) %/g)].reduce((sum, m) => sum + Number(m[2].replace(/,/g, '')) / 100, 0);
  const rps = Number(cells[3].replace(/,/g, ''));
  const cpuPerRequest = shares && rps ? `${Math.round((shares / rps) * 1e6)} µs` : '?';
  rows.push({ label: config.label, rps: cells[3], p50: cells[4], p99: cells[5], bare: cells[6], ratio: cells[7], other: cells[9], cpuPerRequest, exported: config.counts ? `${exports - before.exports} exports, ${Math.round((bytes - before.bytes) / 1024)} KiB` : '' });
}
sink.close();

console.log(`\nGET /v1/products/{id} with read caches off (gateway → catalog + pricing + inventory), ${passOn.join(' ')}`);
console.log('| telemetry | gateway req/s | p50 | p99 | CPU per request (gateway + services + NATS) | bare NestJS req/s | gateway/bare | other CPU | sent to the collector |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r.failed ? `| ${r.label} | failed | | | | | | | |` : `| ${r.label} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.cpuPerRequest} | ${r.bare} | ${r.ratio} | ${r.other} | ${r.exported} |`);
process.exit(rows.some((r) => r.failed) ? 1 : 0);

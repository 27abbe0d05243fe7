#!/usr/bin/env node
// Imports products, prices and stock from legacy exports (ERP, WMS, PIM) through the gateway's bulk
// endpoints. Plain Node, no dependencies. See docs/channels.md ("Legacy imports") and --help.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';

const HELP = `Usage: node tools/import.mjs <file> --mapping <mapping.json> [options]

Imports products, prices and stock from a CSV (RFC 4180) or NDJSON export, mapped to Omnibus fields
by a small JSON file, in batches through the gateway's bulk endpoints:
  products  POST /v1/products/bulk                   (created / changed / unchanged / rejected)
  prices    POST /v1/price-lists/{id}/prices/bulk    (created / changed / unchanged / rejected)
  stock     POST /v1/stock/bulk                      (changed / unchanged / rejected)
Only real changes are written and emit events: importing the same file again changes nothing.

Progress is saved after every batch in <file>.import-state.json; run the same command again after an
interruption and it resumes after the last finished batch (the state is removed when the import ends).

Options (flag, or environment variable):
  --mapping <file>     the column mapping (JSON), see below                  IMPORT_MAPPING
  --gateway <url>      the gateway                                           IMPORT_GATEWAY (default http://127.0.0.1:3000)
  --key <key>          an admin API key                                      IMPORT_KEY     (default dev-admin)
  --batch <n>          rows per batch, 1 to 500                              IMPORT_BATCH   (default 200)
  --format <f>         csv or ndjson (default: from the file extension)
  --report <file>      write the full summary, every rejected row included, as JSON
  --restart            ignore saved progress and start from the first row
  --quiet              no progress bar
  --help               this text

Mapping: each Omnibus field names its source, a CSV column (or an NDJSON key, dotted for nested
keys), or an object { "column": "…" | "value": <constant>, "type": "string|number|integer|boolean|money",
"split": "|", "unit": "g", "decimals": 2, "default": <value> }. Empty cells leave the field out.
{
  "format": "csv", "delimiter": ",",
  "product": {
    "slug": "handle", "name.en": "title", "name.de": "title_de", "description.en": "description",
    "status": { "value": "active" }, "channels": { "value": ["web", "app"] },
    "categories": { "column": "category", "split": "|" },
    "attributes.material": "material", "attributes.weight": { "column": "weight_g", "type": "number", "unit": "g" },
    "variants": { "column": "sku", "split": "|" }
  },
  "prices": [ { "priceList": "prl_…", "sku": "sku", "amount": { "column": "price", "type": "money" },
                "currency": { "value": "EUR" }, "channel": "price_channel" } ],
  "stock":  [ { "location": { "value": "central" }, "sku": "sku", "onHand": { "column": "qty", "type": "integer" } } ]
}
"location" is a location code or id (loc_…). Products are matched by slug.

Exit code: 0 all rows imported, 3 done with rejected rows, 1 failed or interrupted (run again to
resume), 2 bad usage or mapping.
`;

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------
// Options

function parseOptions(argv) {
  const opts = {
    mapping: process.env.IMPORT_MAPPING,
    gateway: process.env.IMPORT_GATEWAY || 'http://127.0.0.1:3000',
    key: process.env.IMPORT_KEY || 'dev-admin',
    batch: process.env.IMPORT_BATCH || '200',
    format: undefined,
    report: undefined,
    restart: false,
    quiet: false,
    file: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { help: true };
    if (arg === '--restart') opts.restart = true;
    else if (arg === '--quiet') opts.quiet = true;
    else if (/^--(mapping|gateway|key|batch|format|report)(=|$)/.test(arg)) {
      const [name, inline] = arg.slice(2).split(/=(.*)/s);
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      opts[name] = value;
    } else if (arg.startsWith('--')) throw new UsageError(`unknown option "${arg}" (see --help)`);
    else if (opts.file) throw new UsageError(`give one file to import (got "${opts.file}" and "${arg}")`);
    else opts.file = arg;
  }
  if (!opts.file) throw new UsageError('give the file to import (see --help)');
  if (!existsSync(opts.file)) throw new UsageError(`${opts.file} does not exist`);
  if (!opts.mapping) throw new UsageError('give the mapping with --mapping <file> (see --help)');
  if (!existsSync(opts.mapping)) throw new UsageError(`the mapping ${opts.mapping} does not exist`);
  const batch = Number(opts.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 500) throw new UsageError(`--batch must be an integer from 1 to 500 (got "${opts.batch}")`);
  let gateway;
  try {
    gateway = new URL(opts.gateway).origin;
  } catch {
    throw new UsageError(`--gateway must be a URL like http://127.0.0.1:3000 (got "${opts.gateway}")`);
  }
  return { ...opts, file: resolve(opts.file), batch, gateway };
}

// ---------------------------------------------------------------------------------------------
// Reading: CSV (RFC 4180) and NDJSON, record by record, with the line each record starts on

/** Yields { line, fields } for each CSV record: quoted fields may hold delimiters, "" and line breaks. */
export async function* csvRecords(path, delimiter = ',') {
  let field = '';
  let fields = [];
  let quoted = false; // inside a quoted field
  let afterQuote = false; // a quote just closed (or an escaped quote may follow)
  let line = 1;
  let recordLine = 1;
  let first = true;
  let pendingCR = false;
  let any = false;
  const endRecord = function* () {
    fields.push(field);
    const record = { line: recordLine, fields };
    field = '';
    fields = [];
    any = false;
    if (!(record.fields.length === 1 && record.fields[0] === '')) yield record; // blank lines are skipped
  };
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
    let text = chunk;
    if (first) {
      text = text.replace(/^\uFEFF/, '');
      first = false;
    }
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (pendingCR) {
        pendingCR = false;
        if (c === '\n') continue;
      }
      if (quoted) {
        if (c === '"') {
          quoted = false;
          afterQuote = true;
        } else {
          if (c === '\n') line++;
          field += c;
        }
        continue;
      }
      if (afterQuote && c === '"') {
        // "" inside a quoted field is one quote
        field += '"';
        quoted = true;
        afterQuote = false;
        continue;
      }
      afterQuote = false;
      if (c === '"' && field === '') {
        quoted = true;
        any = true;
      } else if (c === delimiter) {
        fields.push(field);
        field = '';
        any = true;
      } else if (c === '\n' || c === '\r') {
        if (c === '\r') pendingCR = true;
        yield* endRecord();
        line++;
        recordLine = line;
      } else {
        field += c;
        any = true;
      }
    }
  }
  if (quoted) throw new Error(`line ${recordLine}: a quoted field is not closed before the end of the file`);
  if (any || field !== '' || fields.length) yield* endRecord();
}

/** Yields { line, value } for each NDJSON line (blank lines skipped). */
async function* ndjsonRecords(path) {
  let rest = '';
  let line = 0;
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop();
    for (const part of parts) {
      line++;
      if (part.trim()) yield { line, text: part };
    }
  }
  if (rest.trim()) yield { line: line + 1, text: rest };
}

/** Every data row as { line, get(column) } (CSV: after the header row). */
async function* rows(path, format, delimiter) {
  if (format === 'ndjson') {
    for await (const { line, text } of ndjsonRecords(path)) {
      let value;
      try {
        value = JSON.parse(text);
      } catch (err) {
        yield { line, error: `is not valid JSON (${err.message})` };
        continue;
      }
      yield { line, get: (key) => key.split('.').reduce((v, k) => (v === null || v === undefined ? undefined : v[k]), value) };
    }
    return;
  }
  let header;
  for await (const { line, fields } of csvRecords(path, delimiter)) {
    if (!header) {
      header = new Map(fields.map((name, i) => [name.trim(), i]));
      continue;
    }
    yield { line, get: (column) => (header.has(column) ? fields[header.get(column)] : undefined), columns: header };
  }
}

// ---------------------------------------------------------------------------------------------
// Mapping rows to products, prices and stock

function spec(raw) {
  return typeof raw === 'string' ? { column: raw } : raw;
}

/** The value of one mapped field of a row; undefined when the cell is empty. Throws with the reason. */
function valueOf(row, raw) {
  const s = spec(raw);
  let value = s.value !== undefined ? s.value : s.column !== undefined ? row.get(s.column) : undefined;
  if (typeof value === 'string') value = value.trim();
  if (value === undefined || value === null || value === '') {
    if (s.default === undefined) return undefined;
    value = s.default;
  }
  if (s.split && typeof value === 'string') return value.split(s.split).map((v) => v.trim()).filter(Boolean).map((v) => convert(v, s));
  return convert(value, s);
}

function convert(value, s) {
  const column = s.column ? `column "${s.column}"` : 'the value';
  switch (s.type ?? 'string') {
    case 'string':
      return typeof value === 'string' || Array.isArray(value) || typeof value === 'object' ? value : String(value);
    case 'number': {
      const n = typeof value === 'number' ? value : Number(String(value).replace(',', '.'));
      if (!Number.isFinite(n)) throw new Error(`${column} is not a number: "${value}"`);
      return s.unit ? { value: n, unit: s.unit } : n;
    }
    case 'integer': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isInteger(n)) throw new Error(`${column} is not a whole number: "${value}"`);
      return n;
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      if (/^(true|yes|1|y)$/i.test(String(value))) return true;
      if (/^(false|no|0|n)$/i.test(String(value))) return false;
      throw new Error(`${column} is not yes/no: "${value}"`);
    }
    case 'money': {
      // "12.99" → 1299 minor units, exactly (no floating point)
      const decimals = s.decimals ?? 2;
      const text = String(value).replace(',', '.');
      const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
      if (!match || (match[2] ?? '').length > decimals) throw new Error(`${column} is not an amount with at most ${decimals} decimals: "${value}"`);
      return Number(match[1]) * 10 ** decimals + Number((match[2] ?? '').padEnd(decimals, '0') || 0);
    }
    default:
      throw new Error(`unknown type "${s.type}"`);
  }
}

/** Sets a dotted path (`name.en`) in an object. */
function setPath(target, path, value) {
  const keys = path.split('.');
  let current = target;
  for (const key of keys.slice(0, -1)) current = current[key] ??= {};
  current[keys[keys.length - 1]] = value;
}

function mapProduct(row, mapping) {
  const product = {};
  for (const [field, raw] of Object.entries(mapping)) {
    const value = valueOf(row, raw);
    if (value === undefined) continue;
    if (field === 'variants') setPath(product, 'variants', (Array.isArray(value) ? value : [value]).map((sku) => (typeof sku === 'string' ? { sku } : sku)));
    else setPath(product, field, value);
  }
  return product;
}

function mapItems(row, specs) {
  const out = [];
  for (const fields of specs ?? []) {
    const item = {};
    for (const [field, raw] of Object.entries(fields)) {
      const value = valueOf(row, raw);
      if (value !== undefined) item[field] = value;
    }
    // A row without a SKU or a figure simply has none of this kind.
    if (item.sku !== undefined && (item.amount !== undefined || item.onHand !== undefined)) out.push(item);
  }
  return out;
}

function checkMapping(mapping) {
  if (typeof mapping !== 'object' || mapping === null) throw new UsageError('the mapping must be a JSON object');
  if (!mapping.product && !mapping.prices && !mapping.stock) throw new UsageError('the mapping needs "product", "prices" and/or "stock"');
  if (mapping.product && !mapping.product.slug) throw new UsageError('the mapping\'s "product" needs "slug" (products are matched by slug)');
  for (const p of mapping.prices ?? []) {
    for (const f of ['priceList', 'sku', 'amount', 'currency']) if (!p[f]) throw new UsageError(`each of the mapping's "prices" needs "${f}"`);
  }
  for (const s of mapping.stock ?? []) for (const f of ['location', 'sku', 'onHand']) if (!s[f]) throw new UsageError(`each of the mapping's "stock" needs "${f}"`);
}

// ---------------------------------------------------------------------------------------------
// The gateway

class Gateway {
  constructor(url, key) {
    this.url = url;
    this.key = key;
  }

  async request(method, path, body, attempt = 1) {
    let res;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: { 'x-api-key': this.key, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(120_000),
      });
    } catch (err) {
      if (attempt < 5) {
        await sleep(500 * 2 ** attempt);
        return this.request(method, path, body, attempt + 1);
      }
      throw new Error(`${method} ${path}: the gateway does not answer (${err.cause?.code ?? err.message})`);
    }
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = { message: text.slice(0, 200) };
    }
    // Busy or briefly unavailable: the bulk calls are idempotent, so sending again is safe.
    if ((res.status === 503 || res.status === 502 || res.status === 429) && attempt < 5) {
      await sleep(500 * 2 ** attempt);
      return this.request(method, path, body, attempt + 1);
    }
    return { status: res.status, body: json };
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function fail(what, res) {
  if (res.status === 401 || res.status === 403) return new Error(`${what}: the key is refused (${res.status}): use an admin key (--key)`);
  return new Error(`${what}: HTTP ${res.status} ${res.body?.message ?? ''}`);
}

/** location code or id → id, from GET /v1/locations. */
async function locationIds(gateway) {
  const ids = new Map();
  let cursor;
  do {
    const res = await gateway.request('GET', `/v1/locations?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw fail('reading locations', res);
    for (const l of res.body.items) {
      ids.set(l.code, l.id);
      ids.set(l.id, l.id);
    }
    cursor = res.body.nextCursor;
  } while (cursor);
  return ids;
}

// ---------------------------------------------------------------------------------------------
// One batch

const newTotals = () => ({
  rows: 0,
  /** Rows that could not be read or mapped (nothing of them was sent). */
  invalid: 0,
  products: { created: 0, changed: 0, unchanged: 0, rejected: 0 },
  prices: { created: 0, changed: 0, unchanged: 0, rejected: 0 },
  stock: { changed: 0, unchanged: 0, rejected: 0 },
});

/** Sends one batch of mapped rows; adds to `totals` and `rejected`. */
async function importBatch(gateway, batch, totals, rejected, resolveLocation) {
  const reject = (line, kind, reasons) => rejected.push({ line, kind, reasons });
  const rowsOk = batch.filter((r) => !r.error);
  for (const r of batch.filter((r) => r.error)) {
    reject(r.line, 'row', [r.error]);
    totals.invalid++;
  }

  // 1. Products, so prices and stock can refer to their SKUs.
  const withProduct = rowsOk.filter((r) => r.product);
  const productFailed = new Set();
  if (withProduct.length) {
    const res = await gateway.request('POST', '/v1/products/bulk', { items: withProduct.map((r) => r.product) });
    if (res.status !== 200) throw fail('importing products', res);
    for (const outcome of res.body.items) {
      const row = withProduct[outcome.index];
      totals.products[outcome.outcome]++;
      if (outcome.outcome === 'rejected') {
        productFailed.add(row);
        reject(row.line, 'product', outcome.problems.map((p) => `${p.field}: ${p.problem}`));
      }
    }
  }
  const usable = rowsOk.filter((r) => !productFailed.has(r));

  // 2. Prices, per price list (each bulk call is all or nothing: bad items are taken out and the rest sent again).
  const byList = new Map();
  for (const row of usable) for (const price of row.prices) byList.set(price.priceList, [...(byList.get(price.priceList) ?? []), { row, price }]);
  for (const [priceList, items] of byList) {
    let pending = items;
    while (pending.length) {
      const res = await gateway.request('POST', `/v1/price-lists/${encodeURIComponent(priceList)}/prices/bulk`, {
        prices: pending.map(({ price }) => Object.fromEntries(Object.entries(price).filter(([k]) => k !== 'priceList'))),
      });
      if (res.status === 200) {
        totals.prices.created += res.body.created;
        totals.prices.changed += res.body.updated;
        totals.prices.unchanged += res.body.unchanged;
        break;
      }
      if (res.status === 404) {
        for (const { row } of pending) reject(row.line, 'price', [`price list ${priceList} does not exist`]);
        totals.prices.rejected += pending.length;
        break;
      }
      const bad = itemProblems(res, 'prices');
      if (res.status !== 400 || bad.size === 0) throw fail('importing prices', res);
      for (const [index, reasons] of bad) reject(pending[index].row.line, 'price', reasons);
      totals.prices.rejected += bad.size;
      pending = pending.filter((_, i) => !bad.has(i));
    }
  }

  // 3. Stock. Inventory knows a SKU once the catalog's event reached it: new SKUs may need a moment.
  let stock = [];
  for (const row of usable) {
    for (const s of row.stock) {
      const locationId = await resolveLocation(s.location);
      if (!locationId) {
        reject(row.line, 'stock', [`location "${s.location}" does not exist`]);
        totals.stock.rejected++;
        continue;
      }
      stock.push({ row, item: { sku: s.sku, locationId, onHand: s.onHand } });
    }
  }
  for (let attempt = 1; stock.length; attempt++) {
    const res = await gateway.request('POST', '/v1/stock/bulk', { items: stock.map((s) => s.item) });
    if (res.status === 200) {
      totals.stock.changed += res.body.changed;
      totals.stock.unchanged += res.body.unchanged;
      break;
    }
    const bad = itemProblems(res, 'items');
    if (res.status !== 400 || bad.size === 0) throw fail('importing stock', res);
    const unknownSkuOnly = [...bad.values()].every((reasons) => reasons.every((r) => /not a SKU the catalog knows/.test(r)));
    if (unknownSkuOnly && attempt < 30) {
      await sleep(Math.min(2000, 100 * attempt));
      continue;
    }
    for (const [index, reasons] of bad) reject(stock[index].row.line, 'stock', reasons);
    totals.stock.rejected += bad.size;
    stock = stock.filter((_, i) => !bad.has(i));
  }
  totals.rows += batch.length;
}

/** Problems of a 400 naming items (`prices.3.amount`), by item index. */
function itemProblems(res, field) {
  const bad = new Map();
  for (const d of res.body?.details ?? []) {
    const match = new RegExp(`^${field}\\.(\\d+)(?:\\.(.*))?$`).exec(d.field ?? '');
    if (!match) continue;
    const index = Number(match[1]);
    bad.set(index, [...(bad.get(index) ?? []), `${match[2] ?? field}: ${d.problem}`]);
  }
  return bad;
}

// ---------------------------------------------------------------------------------------------
// Progress and state

function sha256File(path) {
  return new Promise((done, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => hash.update(c))
      .on('end', () => done(hash.digest('hex')))
      .on('error', reject);
  });
}

class Progress {
  constructor(total, quiet) {
    this.total = total;
    this.quiet = quiet;
    this.tty = process.stderr.isTTY;
    this.started = Date.now();
    this.lastDecile = -1;
  }

  update(done, totals) {
    if (this.quiet) return;
    const share = this.total ? done / this.total : 1;
    const rate = Math.round(done / Math.max(0.001, (Date.now() - this.started) / 1000));
    const p = totals.products;
    const tail = `${done.toLocaleString('en')}/${this.total.toLocaleString('en')} rows · ${rate.toLocaleString('en')} rows/s · products +${p.created} ~${p.changed} =${p.unchanged} ✗${p.rejected}`;
    if (this.tty) {
      const width = 30;
      const filled = Math.round(share * width);
      process.stderr.write(`\r[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ${tail}\x1b[K`);
    } else {
      const decile = Math.floor(share * 10);
      if (decile !== this.lastDecile) {
        this.lastDecile = decile;
        process.stderr.write(`${String(decile * 10).padStart(3)}% ${tail}\n`);
      }
    }
  }

  end() {
    if (!this.quiet && this.tty) process.stderr.write('\n');
  }
}

function saveState(path, state) {
  writeFileSync(`${path}.tmp`, JSON.stringify(state));
  renameSync(`${path}.tmp`, path); // atomic: a crash leaves the old state or the new one
}

function printSummary(totals, rejected, file) {
  const line = (name, t) => `  ${name.padEnd(9)} ${Object.entries(t).map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ')}`;
  const out = [
    `Imported ${basename(file)}: ${totals.rows.toLocaleString('en')} rows${totals.invalid ? ` (${totals.invalid.toLocaleString('en')} unreadable)` : ''}`,
    line('products', totals.products),
    line('prices', totals.prices),
    line('stock', totals.stock),
  ];
  if (rejected.length) {
    out.push(`Rejected (${rejected.length}):`);
    for (const r of rejected.slice(0, 50)) out.push(`  line ${r.line} (${r.kind}): ${r.reasons.join('; ')}`);
    if (rejected.length > 50) out.push(`  … and ${rejected.length - 50} more (write them all with --report <file>)`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2));
    if (opts.help) {
      process.stdout.write(HELP);
      return 0;
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`import: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  let mapping;
  try {
    mapping = JSON.parse(readFileSync(opts.mapping, 'utf8'));
    checkMapping(mapping);
  } catch (err) {
    process.stderr.write(`import: the mapping ${opts.mapping} ${err instanceof UsageError ? `is not usable: ${err.message}` : `is not valid JSON: ${err.message}`}\n`);
    return 2;
  }
  const format = opts.format ?? mapping.format ?? (/\.(nd)?jsonl?$/i.test(extname(opts.file)) || /\.ndjson$/i.test(opts.file) ? 'ndjson' : 'csv');
  if (!['csv', 'ndjson'].includes(format)) {
    process.stderr.write(`import: format must be csv or ndjson (got "${format}")\n`);
    return 2;
  }
  const delimiter = mapping.delimiter ?? ',';

  // Resume only the same file with the same mapping and batch size.
  const statePath = `${opts.file}.import-state.json`;
  const fingerprint = { file: await sha256File(opts.file), size: statSync(opts.file).size, mapping: createHash('sha256').update(JSON.stringify(mapping)).digest('hex'), batch: opts.batch };
  let state = { fingerprint, nextLine: 0, totals: newTotals(), rejected: [] };
  if (existsSync(statePath) && !opts.restart) {
    const saved = JSON.parse(readFileSync(statePath, 'utf8'));
    if (JSON.stringify(saved.fingerprint) === JSON.stringify(fingerprint)) {
      state = saved;
      process.stderr.write(`import: resuming after line ${state.nextLine - 1} (${state.totals.rows.toLocaleString('en')} rows done; --restart starts over)\n`);
    } else {
      process.stderr.write('import: saved progress belongs to another version of the file, mapping or batch size: starting over\n');
    }
  }

  let total = 0;
  for await (const row of rows(opts.file, format, delimiter)) if (row) total++;
  const gateway = new Gateway(opts.gateway, opts.key);
  let locations;
  const resolveLocation = async (value) => {
    locations ??= await locationIds(gateway);
    return locations.get(String(value));
  };

  let stopping = false;
  process.on('SIGINT', () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write('\nimport: stopping after the current batch (Ctrl-C again to stop at once)…\n');
  });

  const progress = new Progress(total, opts.quiet);
  let done = 0;
  let batch = [];
  const flush = async () => {
    if (!batch.length) return;
    await importBatch(gateway, batch, state.totals, state.rejected, resolveLocation);
    state.nextLine = batch[batch.length - 1].line + 1;
    saveState(statePath, state);
    batch = [];
    progress.update(done, state.totals);
  };
  try {
    for await (const row of rows(opts.file, format, delimiter)) {
      done++;
      if (row.line < state.nextLine) continue;
      const mapped = { line: row.line };
      if (row.error) mapped.error = row.error;
      else {
        try {
          if (mapping.product) mapped.product = mapProduct(row, mapping.product);
          mapped.prices = mapItems(row, mapping.prices);
          mapped.stock = mapItems(row, mapping.stock);
        } catch (err) {
          mapped.error = err.message;
        }
      }
      batch.push(mapped);
      if (batch.length >= opts.batch) {
        await flush();
        if (stopping) {
          progress.end();
          process.stderr.write(`import: stopped after line ${state.nextLine - 1}; run the same command to resume\n`);
          return 1;
        }
      }
    }
    await flush();
  } catch (err) {
    progress.end();
    process.stderr.write(`import: ${err.message}\nimport: progress is saved (after line ${Math.max(0, state.nextLine - 1)}): run the same command to resume\n`);
    return 1;
  }
  progress.end();
  rmSync(statePath, { force: true });
  printSummary(state.totals, state.rejected, opts.file);
  if (opts.report) writeFileSync(opts.report, JSON.stringify({ file: opts.file, ...state.totals, rejected: state.rejected }, null, 2));
  return state.rejected.length ? 3 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`import: ${err.stack ?? err}\n`);
      process.exit(1);
    },
  );
}

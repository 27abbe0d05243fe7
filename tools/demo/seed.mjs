// Loads the demo data through the gateway's public API: the products (tools/demo/products.json), then
// what makes them sellable (tools/demo/commerce.json): a price list with a price for every SKU, a
// warehouse and a store, and stock at each for the SKUs of the channels it supplies.
//
//   node tools/demo/seed.mjs [gatewayUrl]      default http://127.0.0.1:3000 (or GATEWAY_PORT)
//
// Idempotent: a product whose slug is already used counts as "already there"; prices and stock are
// set only when their price list or location is created, so a second run changes nothing (and never
// resets stock that orders have moved since). Uses the admin key OMNIBUS_ADMIN_KEY (default
// dev-admin). Node built-ins only; tools/start.mjs imports seedDemo() and seedCommerce().

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const DEMO_PRODUCTS_FILE = join(HERE, 'products.json');
export const DEMO_COMMERCE_FILE = join(HERE, 'commerce.json');

/** The demo products, as request bodies for `POST /v1/products`. */
export function loadDemoProducts(file = DEMO_PRODUCTS_FILE) {
  const products = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(products)) throw new Error(`${file} must hold a JSON array of products`);
  return products;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One request with the admin key, retried a few times when the gateway or a service is briefly unavailable. */
async function call(base, adminKey, method, path, payload) {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(new URL(path, base), {
        method,
        headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), 'x-api-key': adminKey, accept: 'application/json' },
        body: payload === undefined ? undefined : JSON.stringify(payload),
        signal: AbortSignal.timeout(60_000),
      });
      const text = await res.text();
      let body;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = { message: text.slice(0, 300) };
      }
      if ((res.status === 502 || res.status === 503 || res.status === 504) && attempt < 4) {
        await sleep(500 * attempt);
        continue;
      }
      return { status: res.status, body };
    } catch (err) {
      if (attempt < 4) {
        await sleep(500 * attempt);
        continue;
      }
      return { status: 0, body: { message: err?.cause?.message ?? err?.message ?? String(err) } };
    }
  }
}

/**
 * Creates every demo product that is not there yet.
 * Returns { created, present, failed: [{ slug, status, message }] }; throws when the key is refused
 * or the gateway cannot be reached at all.
 */
export async function seedDemo({
  gatewayUrl = `http://127.0.0.1:${process.env.GATEWAY_PORT || 3000}`,
  adminKey = process.env.OMNIBUS_ADMIN_KEY || 'dev-admin',
  products = loadDemoProducts(),
  log = (line) => console.log(line),
} = {}) {
  const result = { created: 0, present: 0, failed: [] };
  for (const product of products) {
    const { status, body } = await call(gatewayUrl, adminKey, 'POST', '/v1/products', product);
    const message = body?.message ?? '';
    if (status === 201) {
      result.created++;
    } else if (status === 409 && (body?.details ?? []).some((d) => d.field === 'slug')) {
      result.present++;
    } else if (status === 401 || status === 403) {
      throw new Error(
        `the gateway refused the admin key (${status} ${message}); set OMNIBUS_ADMIN_KEY to an admin key from API_KEYS`,
      );
    } else if (status === 0 && result.created + result.present + result.failed.length === 0) {
      throw new Error(`cannot reach the gateway at ${gatewayUrl}: ${message}`);
    } else {
      // A 409 naming a SKU means another product (not a demo one) took that SKU.
      result.failed.push({ slug: product.slug, status, message });
      log(`  could not create ${product.slug}: ${status || 'no answer'} ${message}`);
    }
  }
  return result;
}

/** The demo prices, locations and stock levels. */
export function loadDemoCommerce(file = DEMO_COMMERCE_FILE) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Every item of a paginated list (`items`, `nextCursor`). */
async function listAll(base, adminKey, path) {
  const items = [];
  let cursor;
  do {
    const { status, body } = await call(base, adminKey, 'GET', `${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (status !== 200) throw new Error(`GET ${path} answered ${status}: ${body?.message ?? ''}`);
    items.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return items;
}

/**
 * A write that names SKUs the pricing or inventory service may not know yet: they learn new products
 * from the catalog's events, a moment after the products were created. Retried while it is refused
 * for an unknown SKU.
 */
async function callOnceSkusAreKnown(base, adminKey, path, payload) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await call(base, adminKey, 'POST', path, payload);
    const unknownSku = res.status === 400 && /not a SKU|unknown SKU|does not know/i.test(JSON.stringify(res.body ?? ''));
    if (!unknownSku || Date.now() > deadline) return res;
    await sleep(500);
  }
}

/**
 * Makes the demo products sellable: the price list with a price for every SKU (set when the list is
 * created), the locations (created when their code is new) with stock of every SKU sold in a channel
 * they supply. Returns { prices, locations: [{ code, created, stocked }] }; throws on a refusal.
 */
export async function seedCommerce({
  gatewayUrl = `http://127.0.0.1:${process.env.GATEWAY_PORT || 3000}`,
  adminKey = process.env.OMNIBUS_ADMIN_KEY || 'dev-admin',
  products = loadDemoProducts(),
  commerce = loadDemoCommerce(),
} = {}) {
  const result = { prices: 0, locations: [] };
  const lists = await listAll(gatewayUrl, adminKey, '/v1/price-lists');
  if (!lists.some((l) => l.name === commerce.priceList.name)) {
    const list = await call(gatewayUrl, adminKey, 'POST', '/v1/price-lists', commerce.priceList);
    if (list.status !== 201) throw new Error(`creating the demo price list answered ${list.status}: ${list.body?.message ?? ''}`);
    const prices = products.flatMap((p) => (commerce.prices[p.slug] ? p.variants.map((v) => ({ sku: v.sku, amount: commerce.prices[p.slug], currency: commerce.currency })) : []));
    const res = await callOnceSkusAreKnown(gatewayUrl, adminKey, `/v1/price-lists/${list.body.id}/prices/bulk`, { prices });
    if (res.status !== 200) throw new Error(`setting the demo prices answered ${res.status}: ${res.body?.message ?? ''}`);
    result.prices = prices.length;
  }
  const existing = await listAll(gatewayUrl, adminKey, '/v1/locations');
  for (const { location, onHand } of commerce.locations) {
    if (existing.some((l) => l.code === location.code)) {
      result.locations.push({ code: location.code, created: false, stocked: 0 });
      continue;
    }
    const created = await call(gatewayUrl, adminKey, 'POST', '/v1/locations', location);
    if (created.status !== 201) throw new Error(`creating location ${location.code} answered ${created.status}: ${created.body?.message ?? ''}`);
    const items = products
      .filter((p) => p.channels.some((c) => location.channels.includes(c)))
      .flatMap((p) => p.variants.map((v) => ({ sku: v.sku, locationId: created.body.id, onHand })));
    const res = await callOnceSkusAreKnown(gatewayUrl, adminKey, '/v1/stock/bulk', { items, reference: 'demo data' });
    if (res.status !== 200) throw new Error(`stocking ${location.code} answered ${res.status}: ${res.body?.message ?? ''}`);
    result.locations.push({ code: location.code, created: true, stocked: items.length });
  }
  return result;
}

/** One line about what seedCommerce did. */
export function describeCommerce(r) {
  const where = r.locations.map((l) => (l.created ? `${l.code} (${l.stocked} SKUs stocked)` : `${l.code} (already there)`)).join(', ');
  return `demo prices: ${r.prices ? `${r.prices} set` : 'already there'}; locations: ${where}`;
}

async function main() {
  const arg = process.argv[2];
  if (arg === '--help' || arg === '-h') {
    console.log(`Loads the demo data into a running Omnibus through its gateway: the products, then a price
list with their prices, a warehouse and a store with stock.

Usage: node tools/demo/seed.mjs [gatewayUrl]     (default http://127.0.0.1:\${GATEWAY_PORT:-3000})

Environment:
  OMNIBUS_ADMIN_KEY   admin API key (default: dev-admin)
  GATEWAY_PORT        port of the gateway when no URL is given (default: 3000)

Products whose slug already exists are counted as already there; prices and stock are set only when
the demo price list or location is created, so nothing is changed on a second run.`);
    return;
  }
  const gatewayUrl = arg ?? `http://127.0.0.1:${process.env.GATEWAY_PORT || 3000}`;
  try {
    new URL(gatewayUrl);
  } catch {
    console.error(`"${gatewayUrl}" is not a URL; expected e.g. http://localhost:3000`);
    process.exit(2);
  }
  const products = loadDemoProducts();
  console.log(`Loading ${products.length} demo products into ${gatewayUrl} …`);
  try {
    const r = await seedDemo({ gatewayUrl, products });
    console.log(`Demo data: ${r.created} created, ${r.present} already there${r.failed.length ? `, ${r.failed.length} failed` : ''}.`);
    console.log(describeCommerce(await seedCommerce({ gatewayUrl, products })));
    if (r.failed.length) process.exitCode = 1;
  } catch (err) {
    console.error(`Demo data not loaded: ${err.message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();

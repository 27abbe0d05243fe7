// Loads the demo products (tools/demo/products.json) through the gateway's public API.
//
//   node tools/demo/seed.mjs [gatewayUrl]      default http://127.0.0.1:3000 (or GATEWAY_PORT)
//
// Idempotent: a product whose slug is already used counts as "already there", so running it
// twice creates nothing the second time. Uses the admin key OMNIBUS_ADMIN_KEY (default dev-admin).
// Node built-ins only; tools/start.mjs imports seedDemo().

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const DEMO_PRODUCTS_FILE = join(HERE, 'products.json');

/** The demo products, as request bodies for `POST /v1/products`. */
export function loadDemoProducts(file = DEMO_PRODUCTS_FILE) {
  const products = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(products)) throw new Error(`${file} must hold a JSON array of products`);
  return products;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One POST, retried a few times when the gateway or the catalog is briefly unavailable. */
async function postProduct(base, adminKey, product) {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(new URL('/v1/products', base), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': adminKey, accept: 'application/json' },
        body: JSON.stringify(product),
        signal: AbortSignal.timeout(15_000),
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
    const { status, body } = await postProduct(gatewayUrl, adminKey, product);
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

async function main() {
  const arg = process.argv[2];
  if (arg === '--help' || arg === '-h') {
    console.log(`Loads the demo products into a running Omnibus through its gateway.

Usage: node tools/demo/seed.mjs [gatewayUrl]     (default http://127.0.0.1:\${GATEWAY_PORT:-3000})

Environment:
  OMNIBUS_ADMIN_KEY   admin API key to create products with (default: dev-admin)
  GATEWAY_PORT        port of the gateway when no URL is given (default: 3000)

Products whose slug already exists are counted as already there; nothing is changed.`);
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
    if (r.failed.length) process.exitCode = 1;
  } catch (err) {
    console.error(`Demo data not loaded: ${err.message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();

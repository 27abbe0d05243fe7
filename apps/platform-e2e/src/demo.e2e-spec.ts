import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@omnibus/testing';
import { SHIP_TO, placeOrder } from './orders-fixtures';
import { Platform, startPlatform } from './platform';

/** Runs tools/demo/seed.mjs against the gateway to its end; its output and exit code. */
function runSeed(gatewayUrl: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'tools/demo/seed.mjs'), gatewayUrl], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OMNIBUS_ADMIN_KEY: 'dev-admin' } });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('the demo data of npm start (real NATS and PostgreSQL)', () => {
  let p: Platform;

  beforeAll(async () => {
    p = await startPlatform({ only: ['catalog', 'pricing', 'inventory', 'orders'] });
  });
  afterAll(async () => {
    await p?.stop();
  });

  it('loads products that can be ordered at once, and a second run changes nothing', async () => {
    const first = await runSeed(p.gateway.url);
    expect(first.output).toContain('Demo data: 36 created, 0 already there.');
    expect(first.output).toMatch(/demo prices: \d+ set; locations: demo-warehouse \(\d+ SKUs stocked\), demo-store-berlin \(\d+ SKUs stocked\)/);
    expect(first.code).toBe(0);

    // The example npm start prints: a web order for delivery, priced from the demo price list.
    const web = p.admin.as('dev-web');
    const order = await placeOrder(web, { currency: 'EUR', lines: [{ sku: 'SHIRT-LIN-WHT-M', quantity: 1 }], fulfilment: { type: 'delivery', address: SHIP_TO } });
    expect(order.status).toBe(201);
    expect(order.body).toMatchObject({ status: 'confirmed', total: 4900 });
    // Click & collect at the demo store, and a sale at its till (the POS channel).
    const store = (await p.admin.get('/v1/locations')).body.items.find((l: { code: string }) => l.code === 'demo-store-berlin');
    const pickup = await placeOrder(web, { currency: 'EUR', lines: [{ sku: 'SHIRT-LIN-WHT-M', quantity: 2 }], fulfilment: { type: 'pickup', locationId: store.id } });
    expect(pickup.status).toBe(201);
    const till = await placeOrder(p.admin.as('dev-pos'), { currency: 'EUR', lines: [{ sku: 'ACC-BLT-BRN-95', quantity: 1 }], fulfilment: { type: 'carry-out' } });
    expect([till.status, till.body.message]).toEqual([201, undefined]);

    const second = await runSeed(p.gateway.url);
    expect(second.output).toContain('Demo data: 0 created, 36 already there.');
    expect(second.output).toContain('demo prices: already there; locations: demo-warehouse (already there), demo-store-berlin (already there)');
    expect(second.code).toBe(0);
    // The orders' stock stays as they left it.
    expect((await p.databases.inventory.query<{ on_hand: number; reserved: number }>('select on_hand, reserved from stock_levels where sku = $1 and location_id = $2', ['SHIRT-LIN-WHT-M', store.id]))[0]).toEqual({ on_hand: 8, reserved: 2 });
  });

  it('prices every demo SKU', () => {
    const products: { slug: string; variants: unknown[] }[] = JSON.parse(readFileSync(join(REPO_ROOT, 'tools/demo/products.json'), 'utf8'));
    const commerce = JSON.parse(readFileSync(join(REPO_ROOT, 'tools/demo/commerce.json'), 'utf8'));
    expect(products.filter((prod) => !(commerce.prices[prod.slug] > 0)).map((prod) => prod.slug)).toEqual([]);
  });
});

import { ApiResponse, waitFor } from '@omnibus/testing';
import { ORDER_API_KEYS, OrderFixtures, SHIP_TO, placeOrder, uniqueKey } from './orders-fixtures';
import { Platform, startPlatform, streamMessages } from './platform';

/** A definite answer to a checkout: an order, or a refusal that is not "still running" nor "unavailable". */
function definite(res: ApiResponse): boolean {
  if (res.status === 201 || res.status === 200) return true;
  if (res.status === 409) return !/still running/.test(res.body?.message ?? '');
  return res.status >= 400 && res.status < 500;
}

describe('orders when the orders service is killed mid-way (real NATS and PostgreSQL)', () => {
  let p: Platform;
  let f: OrderFixtures;

  beforeAll(async () => {
    p = await startPlatform({
      only: ['catalog', 'pricing', 'inventory', 'orders'],
      gatewayEnv: { API_KEYS: ORDER_API_KEYS, ORDER_TIMEOUT_MS: '30000' },
      // Short leases, so the restarted service takes over the interrupted checkouts quickly.
      serviceEnv: { orders: { CHECKOUT_LEASE_MS: '2000', CHECKOUT_RECOVERY_INTERVAL_MS: '200' } },
    });
    f = new OrderFixtures(p);
    await f.setUp();
  });
  afterAll(async () => {
    await p?.stop();
  });

  it('leaves every checkout confirmed or undone, with no orphan reservation, after a SIGKILL and restart', async () => {
    const skus = await f.product([700, 1300], { central: 30 });
    const clients = ['web-key-0001', 'app-key-0001', 'b2b-key-0001', 'mkt-key-0001'].map((k) => p.admin.as(k));
    // 80 checkouts of 1 or 2 lines for 30 + 30 units: some must be refused for stock.
    const checkouts = Array.from({ length: 80 }, (_, i) => ({
      client: clients[i % 4],
      key: uniqueKey(`kill-${i}`),
      body: { currency: 'EUR', fulfilment: { type: 'delivery', address: SHIP_TO }, lines: i % 3 === 0 ? [{ sku: skus[0], quantity: 1 }, { sku: skus[1], quantity: 1 }] : [{ sku: skus[i % 2], quantity: 1 }] },
    }));
    const firstAnswers = Promise.all(checkouts.map((c) => placeOrder(c.client, c.body, c.key)));
    await waitFor('checkouts under way', async () => Number((await p.databases.orders.query<{ n: string }>('select count(*) as n from checkouts'))[0].n) >= 15, 30_000, 5);
    await p.services.orders.stop('SIGKILL');
    const answers = await firstAnswers;
    const acceptedBeforeKill = new Set(answers.filter((r) => r.status === 201).map((r) => r.body.id));
    const interrupted = await p.databases.orders.query<{ n: string }>("select count(*) as n from checkouts where status in ('running', 'compensating')");
    expect(Number(interrupted[0].n)).toBeGreaterThan(0); // the kill did land mid-way

    await p.services.orders.start();
    // Every client retries with its key until it gets a definite answer, as a frontend would.
    const finalAnswers: ApiResponse[] = [];
    for (const [i, c] of checkouts.entries()) {
      let res = answers[i];
      if (!definite(res)) {
        await waitFor(`a definite answer for checkout ${i}`, async () => definite((res = await placeOrder(c.client, c.body, c.key))), 60_000, 200);
      }
      finalAnswers.push(res);
    }
    const placed = finalAnswers.filter((r) => r.status === 201 || r.status === 200);
    const refused = finalAnswers.filter((r) => r.status === 409);
    expect(placed.length + refused.length).toBe(80);
    expect(refused.every((r) => r.body.details?.[0]?.field?.startsWith('lines.'))).toBe(true);
    for (const id of acceptedBeforeKill) expect(placed.map((r) => r.body.id)).toContain(id);

    await waitFor('no checkout left running', async () => (await p.databases.orders.query("select 1 from checkouts where status in ('running', 'compensating')")).length === 0, 60_000);
    const orders = await p.databases.orders.query<{ id: string; status: string; lines: { sku: string; quantity: number }[] }>('select id, status, lines from orders');
    expect(new Set(orders.map((o) => o.status))).toEqual(new Set(['confirmed']));
    expect(orders.map((o) => o.id).sort()).toEqual(placed.map((r) => r.body.id).sort());

    // Reservations: active exactly for the confirmed orders; every other checkout's is released.
    const reservations = await p.databases.inventory.query<{ key: string; status: string }>("select key, status from reservations where key like 'order-%'");
    const active = reservations.filter((r) => r.status === 'active').map((r) => r.key.replace(/^order-/, ''));
    expect(active.sort()).toEqual(orders.map((o) => o.id).sort());
    expect(reservations.filter((r) => r.status !== 'active').every((r) => r.status === 'released')).toBe(true);

    // And the stock adds up: reserved = the units of the confirmed orders, never more than on hand.
    for (const sku of skus) {
      const units = orders.flatMap((o) => o.lines).filter((l) => l.sku === sku).reduce((sum, l) => sum + l.quantity, 0);
      expect(await f.level(sku, 'central')).toMatchObject({ on_hand: 30, reserved: units, available: 30 - units });
      expect(units).toBeLessThanOrEqual(30);
    }
    expect(placed.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
  });

  it('finishes every ship and cancel under way at a SIGKILL: each status agrees with its reservation, and the stock adds up', async () => {
    const [sku] = await f.product([900], { central: 40 });
    const web = p.admin.as('web-key-0001');
    const placed: string[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await placeOrder(web, { currency: 'EUR', lines: [{ sku, quantity: 1 }], fulfilment: { type: 'delivery', address: SHIP_TO } });
      expect(res.status).toBe(201);
      placed.push(res.body.id as string);
    }
    // Even orders are shipped (the stock leaves), odd ones cancelled (the stock returns), all at once.
    const actionOf = (i: number) => (i % 2 ? 'cancel' : 'ship');
    const first = Promise.all(placed.map((id, i) => web.post(`/v1/orders/${id}/${actionOf(i)}`)));
    await waitFor(
      'status changes under way',
      async () => Number((await p.databases.orders.query<{ n: string }>("select count(*) as n from orders where pending is not null or status <> 'confirmed'"))[0].n) >= 8,
      30_000,
      5,
    );
    await p.services.orders.stop('SIGKILL');
    await first;
    const pendingAtKill = await p.databases.orders.query<{ id: string }>('select id from orders where pending is not null');
    expect(pendingAtKill.length).toBeGreaterThan(0); // the kill did land mid-way

    // Nobody retries: the restarted service finishes what was written down by itself.
    await p.services.orders.start();
    await waitFor('no status change left pending', async () => (await p.databases.orders.query('select 1 from orders where pending is not null')).length === 0, 60_000);
    const rows = await p.databases.orders.query<{ id: string; status: string; history: { status: string }[] }>('select id, status, history from orders where id = any($1)', [placed]);
    const status = new Map(rows.map((r) => [r.id, r.status]));
    for (const { id } of pendingAtKill) expect(status.get(id)).toBe(actionOf(placed.indexOf(id)) === 'ship' ? 'shipped' : 'cancelled');
    for (const r of rows) expect(r.history.map((h) => h.status)).toEqual(r.status === 'confirmed' ? ['placed', 'confirmed'] : ['placed', 'confirmed', r.status]);

    // Each order's reservation agrees with its status.
    const reservations = await p.databases.inventory.query<{ key: string; status: string }>('select key, status from reservations where key = any($1)', [placed.map((id) => `order-${id}`)]);
    const wanted: Record<string, string> = { confirmed: 'active', shipped: 'committed', cancelled: 'released' };
    expect(reservations).toHaveLength(40);
    for (const r of reservations) expect(r.status).toBe(wanted[status.get(r.key.replace(/^order-/, '')) as string]);
    const count = (s: string) => rows.filter((r) => r.status === s).length;
    expect(await f.level(sku, 'central')).toMatchObject({ on_hand: 40 - count('shipped'), reserved: count('confirmed') });

    // And each change was announced once.
    await waitFor('one event per status change', async () => {
      const events = (await streamMessages(p.nats.url, 'ORDERS_EVENTS')).filter((m) => placed.includes(m.event.data.order?.id) && /shipped|cancelled/.test(m.subject));
      return events.length === count('shipped') + count('cancelled') && new Set(events.map((e) => e.event.data.order.id)).size === events.length;
    });
  });

  it('finishes a return acceptance cut off after its restock, and refuses to reject it meanwhile', async () => {
    const [sku] = await f.product([1200], { central: 5 });
    const order = await placeOrder(p.admin.as('web-key-0001'), { currency: 'EUR', lines: [{ sku, quantity: 2 }], fulfilment: { type: 'delivery', address: SHIP_TO } });
    expect(order.status).toBe(201);
    expect((await p.admin.post(`/v1/orders/${order.body.id}/ship`)).status).toBe(200);
    expect((await p.admin.post(`/v1/orders/${order.body.id}/complete`)).status).toBe(200);
    const pos = p.admin.as('pos-berlin-key');
    const created = await pos.post(`/v1/orders/${order.body.id}/returns`, { lines: [{ sku, quantity: 2 }], reason: 'wrong size', restockLocationId: f.loc['berlin'] });
    expect(created.status).toBe(201);
    const id = created.body.id;

    // What a runner leaves when it dies after writing the acceptance down (and maybe after the restock).
    await p.databases.orders.query(`update order_returns set pending = '{"token": "dead-runner", "reason": "accepted at the till"}', pending_until = now() + interval '1 hour' where id = $1`, [id]);
    for (const decision of ['reject', 'accept']) {
      const refused = await pos.post(`/v1/returns/${id}/${decision}`);
      expect(refused.status).toBe(409);
      expect(refused.body.details).toEqual([{ field: 'status', problem: 'is being accepted' }]);
    }
    // Its time runs out: the recovery loop restocks (once) and accepts it with the reason it was given.
    await p.databases.orders.query("update order_returns set pending_until = now() - interval '1 second' where id = $1", [id]);
    await waitFor('the acceptance to be finished', async () => (await p.admin.get(`/v1/returns/${id}`)).body.status === 'accepted', 30_000);
    expect((await p.admin.get(`/v1/returns/${id}`)).body).toMatchObject({ status: 'accepted', decisionReason: 'accepted at the till' });
    expect(await f.level(sku, 'berlin')).toMatchObject({ on_hand: 2, reserved: 0 });
    expect((await pos.post(`/v1/returns/${id}/accept`)).body.status).toBe('accepted'); // a repeat restocks nothing more
    expect(await f.level(sku, 'berlin')).toMatchObject({ on_hand: 2 });
    expect((await pos.post(`/v1/returns/${id}/reject`)).status).toBe(409);
  });
});

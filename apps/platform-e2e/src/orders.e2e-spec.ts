import { ApiClient, waitFor } from '@omnibus/testing';
import { ORDER_API_KEYS, OrderFixtures, SHIP_TO, placeOrder, uniqueKey } from './orders-fixtures';
import { Platform, startPlatform, streamMessages } from './platform';

describe('orders through the gateway (real NATS and PostgreSQL)', () => {
  let p: Platform;
  let f: OrderFixtures;
  let web: ApiClient;
  let posBerlin: ApiClient;
  let marketplace: ApiClient;

  const delivery = { type: 'delivery', address: SHIP_TO };
  const orderCount = async () => Number((await p.databases.orders.query<{ n: string }>('select count(*) as n from orders'))[0].n);
  const activeOrderReservations = async () => Number((await p.databases.inventory.query<{ n: string }>("select count(*) as n from reservations where key like 'order-%' and status = 'active'"))[0].n);

  beforeAll(async () => {
    p = await startPlatform({
      only: ['catalog', 'pricing', 'inventory', 'customers', 'orders'],
      // 200 checkouts at once queue for one stock row on a shared 2-core machine: allow them time.
      gatewayEnv: { API_KEYS: ORDER_API_KEYS, ORDER_TIMEOUT_MS: '60000' },
      serviceEnv: { orders: { NATS_REQUEST_TIMEOUT_MS: '30000' } },
    });
    f = new OrderFixtures(p);
    await f.setUp();
    web = p.admin.as('web-key-0001');
    posBerlin = p.admin.as('pos-berlin-key');
    marketplace = p.admin.as('mkt-key-0001');
  });
  afterAll(async () => {
    await p?.stop();
  });

  it('refuses bad input with a 4xx naming the field, and writes nothing', async () => {
    const [sku] = await f.product([1000], { central: 5 });
    const [unpriced] = await f.product([null], { central: 5 });
    const ordersBefore = await orderCount();

    const noKey = await web.post('/v1/orders', { currency: 'EUR', lines: [{ sku, quantity: 1 }], fulfilment: delivery });
    expect(noKey.status).toBe(400);
    expect(noKey.body.details).toEqual([{ field: 'Idempotency-Key', problem: 'is required: a unique key per checkout, reused only to retry it' }]);

    const cases: [Record<string, unknown>, string][] = [
      [{ currency: 'EUR', lines: [{ sku, quantity: 0 }], fulfilment: delivery }, 'lines.0.quantity'],
      [{ currency: 'EURO', lines: [{ sku, quantity: 1 }], fulfilment: delivery }, 'currency'],
      [{ currency: 'EUR', lines: [{ sku, quantity: 1 }], fulfilment: { type: 'pickup' } }, 'fulfilment.locationId'],
      [{ currency: 'EUR', lines: [{ sku, quantity: 1 }], fulfilment: { type: 'delivery' } }, 'fulfilment.address'],
      [{ currency: 'EUR', lines: [{ sku, quantity: 1 }, { sku, quantity: 2 }], fulfilment: delivery }, 'lines'],
      [{ currency: 'EUR', lines: [{ sku: unpriced, quantity: 1 }], fulfilment: delivery }, 'lines.0.sku'],
      [{ currency: 'EUR', lines: [{ sku, quantity: 1 }], fulfilment: delivery, customerId: 'cus_0000000000000000000000' }, 'customerId'],
    ];
    for (const [body, field] of cases) {
      const res = await placeOrder(web, body);
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    // A staff key may name a customer, but it must exist.
    const unknownCustomer = await placeOrder(posBerlin, { currency: 'EUR', lines: [{ sku, quantity: 1 }], fulfilment: { type: 'carry-out' }, customerId: 'cus_0000000000000000000000' });
    expect(unknownCustomer.status).toBe(400);
    expect(unknownCustomer.body.details).toEqual([{ field: 'customerId', problem: 'cus_0000000000000000000000 is not a customer' }]);

    expect(await orderCount()).toBe(ordersBefore);
    expect(await activeOrderReservations()).toBe(0);
    expect((await f.level(sku, 'central'))?.reserved).toBe(0);
  });

  it('freezes the pricing quote into the order: the order total equals the quote', async () => {
    const skus = await f.product([1999, 4500, 750], { central: 20 });
    const promo = await p.admin.post('/v1/promotions', { name: uniqueKey('ten-off'), discount: { type: 'percentage', percent: 10 }, products: { skus: [skus[1]] } });
    expect(promo.status).toBe(201);
    const ann = await f.customer();
    const cart = { currency: 'EUR', lines: [{ sku: skus[0], quantity: 2 }, { sku: skus[1], quantity: 1 }, { sku: skus[2], quantity: 3 }] };
    const quote = await ann.call('POST', '/v1/quotes', cart);
    expect(quote.status).toBe(200);
    expect(quote.body.discountTotal).toBe(450);

    const placed = await ann.call('POST', '/v1/orders', { ...cart, fulfilment: delivery }, { 'idempotency-key': uniqueKey() });
    expect(placed.status).toBe(201);
    const order = placed.body;
    expect(order).toMatchObject({ channel: 'web', customerId: ann.id, status: 'confirmed', currency: 'EUR', subtotal: quote.body.subtotal, discountTotal: 450, total: quote.body.total });
    expect(order.lines.map((l: any) => [l.sku, l.quantity, l.unitPrice, l.total])).toEqual(quote.body.lines.map((l: any) => [l.sku, l.quantity, l.unitPrice, l.total]));
    expect(order.history.map((h: any) => [h.status, h.by, h.channel])).toEqual([
      ['placed', `customer:${ann.id}`, 'web'],
      ['confirmed', 'system', null],
    ]);
    expect(order.id).toMatch(/^ord_/);

    // Stock is held for the order, at the warehouse the allocation rule picked.
    expect(await f.level(skus[0], 'central')).toMatchObject({ on_hand: 20, reserved: 2, available: 18 });
    const [reservation] = await p.databases.inventory.query<{ status: string; key: string }>('select status, key from reservations where id = $1', [order.reservationId]);
    expect(reservation).toEqual({ status: 'active', key: `order-${order.id}` });

    // A later price change does not touch the order.
    await p.databases.pricing.query('update prices set amount = amount * 2 where sku = $1', [skus[0]]);
    expect((await ann.call('GET', `/v1/orders/${order.id}`)).body.total).toBe(quote.body.total);

    await waitFor('the placed and confirmed events on the stream', async () => {
      const events = (await streamMessages(p.nats.url, 'ORDERS_EVENTS')).filter((m) => m.event.data.order?.id === order.id);
      return events.map((e) => e.subject).join() === 'orders.order.placed,orders.order.confirmed';
    });
  });

  it("prices a B2B member's order at the company's group and refuses it over the spending limit, reserving nothing", async () => {
    const [sku] = await f.product([10_000], { central: 10 });
    expect((await p.admin.post('/v1/prices', { priceListId: f.priceListId, sku, amount: 8000, currency: 'EUR', customerGroup: 'wholesale' })).status).toBe(201);
    const company = await p.admin.post('/v1/companies', { name: 'ACME GmbH', taxId: uniqueKey('DE'), spendingLimit: { amount: 20_000, currency: 'EUR' } });
    expect(company.status).toBe(201);
    const buyer = await f.customer('b2b-key-0001');
    expect((await p.admin.request('PUT', `/v1/companies/${company.body.id}/members/${buyer.id}`, { role: 'buyer' })).status).toBe(200);
    const order = (quantity: number) => buyer.call('POST', '/v1/orders', { currency: 'EUR', lines: [{ sku, quantity }], fulfilment: delivery }, { 'idempotency-key': uniqueKey() });

    const within = await order(2);
    expect(within.status).toBe(201);
    expect(within.body).toMatchObject({ channel: 'b2b', customerId: buyer.id, total: 16_000, lines: [{ sku, unitPrice: 8000 }] }); // the group price, from the customer record
    const over = await order(3);
    expect(over.status).toBe(403);
    expect(over.body.message).toMatch(/limit/);
    expect(over.body.details[0].field).toBe('total');
    expect(await f.level(sku, 'central')).toMatchObject({ on_hand: 10, reserved: 2 }); // only the first order holds stock
  });

  it('creates one order for an Idempotency-Key replayed 3 times, 422 for another body, 409 while the first still runs', async () => {
    const [sku] = await f.product([1200], { central: 10 });
    const key = uniqueKey('retry');
    const body = { currency: 'EUR', lines: [{ sku, quantity: 1 }], fulfilment: delivery };
    const first = await placeOrder(web, body, key);
    expect(first.status).toBe(201);
    const replays = await Promise.all([1, 2, 3].map(() => placeOrder(web, body, key)));
    expect(replays.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(new Set(replays.map((r) => r.body.id))).toEqual(new Set([first.body.id]));
    expect(Number((await p.databases.orders.query<{ n: string }>('select count(*) as n from orders o join checkouts c on c.id = o.id where c.idempotency_key = $1', [key]))[0].n)).toBe(1);
    expect((await f.level(sku, 'central'))?.reserved).toBe(1);

    const other = await placeOrder(web, { ...body, lines: [{ sku, quantity: 2 }] }, key);
    expect(other.status).toBe(422);
    expect(other.body.details[0].field).toBe('Idempotency-Key');

    // Freeze the inventory: the checkout waits at its reservation, and a retry meanwhile is told so.
    const slowKey = uniqueKey('slow');
    p.services.inventory.signal('SIGSTOP');
    try {
      const slow = placeOrder(web, body, slowKey);
      await waitFor('the checkout to start', async () => (await p.databases.orders.query("select 1 from checkouts where idempotency_key = $1 and status = 'running'", [slowKey])).length === 1);
      const meanwhile = await placeOrder(web, body, slowKey);
      expect(meanwhile.status).toBe(409);
      expect(meanwhile.body.message).toMatch(/still running/);
      p.services.inventory.signal('SIGCONT');
      const done = await slow;
      expect(done.status).toBe(201);
      expect((await placeOrder(web, body, slowKey)).body.id).toBe(done.body.id);
    } finally {
      p.services.inventory.signal('SIGCONT');
    }
  });

  it('reserves a click & collect order at the chosen store, and refuses clearly when that store cannot serve it', async () => {
    const [sku, other] = await f.product([990, 1490], { central: 50, berlin: 2, hamburg: 0 });
    const placed = await placeOrder(web, { currency: 'EUR', lines: [{ sku, quantity: 2 }, { sku: other, quantity: 1 }], fulfilment: { type: 'pickup', locationId: f.loc['berlin'] } });
    expect(placed.status).toBe(201);
    expect(placed.body.fulfilment).toMatchObject({ type: 'pickup', locationId: f.loc['berlin'] });
    expect(await f.level(sku, 'berlin')).toMatchObject({ on_hand: 2, reserved: 2, available: 0 });
    expect((await f.level(sku, 'central'))?.reserved).toBe(0);

    const short = await placeOrder(web, { currency: 'EUR', lines: [{ sku: other, quantity: 1 }], fulfilment: { type: 'pickup', locationId: f.loc['hamburg'] } });
    expect(short.status).toBe(409);
    expect(short.body.message).toContain(`cannot reserve the stock at the pickup store ${f.loc['hamburg']}`);
    expect(short.body.details).toEqual([{ field: 'lines.0.quantity', problem: `SKU ${other}: 1 requested, 0 available at ${f.loc['hamburg']}` }]);
    expect((await f.levels(other)).every((l) => l.location_id === f.loc['berlin'] ? l.reserved === 1 : l.reserved === 0)).toBe(true);

    // A web order, prepared and handed over by the store's own POS; another store's POS may not touch it,
    // and a store does only what a store does with it.
    const id = placed.body.id;
    expect((await p.admin.as('pos-hamburg-key').post(`/v1/orders/${id}/ready-for-pickup`)).status).toBe(403);
    expect((await posBerlin.post(`/v1/orders/${id}/ship`)).status).toBe(403);
    expect((await posBerlin.post(`/v1/orders/${id}/ready-for-pickup`)).body.status).toBe('ready-for-pickup');
    expect(await f.level(sku, 'berlin')).toMatchObject({ on_hand: 2, reserved: 2 }); // still held for the customer
    const collected = await posBerlin.post(`/v1/orders/${id}/complete`, { reason: 'collected' });
    expect(collected.status).toBe(200);
    expect(collected.body.history.map((h: any) => [h.status, h.by])).toEqual([
      ['placed', 'channel:web'],
      ['confirmed', 'system'],
      ['ready-for-pickup', 'staff:pos-berlin'],
      ['completed', 'staff:pos-berlin'],
    ]);
    expect(await f.level(sku, 'berlin')).toMatchObject({ on_hand: 0, reserved: 0, available: 0 }); // the stock left the store
  });

  it('confirms exactly 50 of 200 concurrent checkouts for the last 50 units across 4 channels, never below zero', async () => {
    const [sku] = await f.product([500], { central: 50 });
    const clients = ['web-key-0001', 'app-key-0001', 'b2b-key-0001', 'mkt-key-0001'].map((k) => p.admin.as(k));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => placeOrder(clients[i % 4], { currency: 'EUR', lines: [{ sku, quantity: 1 }], fulfilment: delivery })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201).length).toBe(50);
    expect(statuses.filter((s) => s === 409).length).toBe(150);
    expect(results.find((r) => r.status === 409)?.body.details[0]).toMatchObject({ field: 'lines.0.quantity' });
    expect(await f.level(sku, 'central')).toMatchObject({ on_hand: 50, reserved: 50, available: 0 });
    const orders = await p.databases.orders.query<{ status: string; n: string }>("select status, count(*) as n from orders where lines @> $1::jsonb group by status", [JSON.stringify([{ sku }])]);
    expect(orders).toEqual([{ status: 'confirmed', n: '50' }]);
    const channels = new Set(results.filter((r) => r.status === 201).map((r) => r.body.channel));
    expect(channels.size).toBeGreaterThan(1);
    const failed = await p.databases.orders.query<{ n: string }>("select count(*) as n from checkouts where status = 'failed' and request->'lines' @> $1::jsonb", [JSON.stringify([{ sku }])]);
    expect(failed[0].n).toBe('150');
  });

  it('moves an order through its lifecycle with guarded transitions and a status history', async () => {
    const [sku] = await f.product([2500], { central: 10 });
    const ann = await f.customer();
    const place = () => ann.call('POST', '/v1/orders', { currency: 'EUR', lines: [{ sku, quantity: 2 }], fulfilment: delivery }, { 'idempotency-key': uniqueKey() });

    const toShip = (await place()).body;
    expect((await ann.call('POST', `/v1/orders/${toShip.id}/ship`)).status).toBe(403); // customers only cancel
    expect((await p.admin.post(`/v1/orders/${toShip.id}/ready-for-pickup`)).status).toBe(409); // not a pickup order
    const shipped = await web.post(`/v1/orders/${toShip.id}/ship`, { trackingNumber: 'DHL-123' });
    expect(shipped.status).toBe(200);
    expect(shipped.body).toMatchObject({ status: 'shipped', fulfilment: { trackingNumber: 'DHL-123' } });
    expect(await f.level(sku, 'central')).toMatchObject({ on_hand: 8, reserved: 0 }); // shipping commits the stock
    expect((await web.post(`/v1/orders/${toShip.id}/ship`)).body.version).toBe(shipped.body.version); // a repeat changes nothing
    const lateCancel = await ann.call('POST', `/v1/orders/${toShip.id}/cancel`);
    expect(lateCancel.status).toBe(409);
    expect(lateCancel.body.details).toEqual([{ field: 'status', problem: 'the order is shipped: it can be cancelled only when placed or confirmed or ready-for-pickup' }]);
    const completed = await web.post(`/v1/orders/${toShip.id}/complete`, { reason: 'delivered' });
    expect(completed.body.history.map((h: any) => h.status)).toEqual(['placed', 'confirmed', 'shipped', 'completed']);
    expect(completed.body.history[3]).toMatchObject({ by: 'channel:web', channel: 'web', reason: 'delivered' });

    const toCancel = (await place()).body;
    expect((await f.level(sku, 'central'))?.reserved).toBe(2);
    const cancelled = await ann.call('POST', `/v1/orders/${toCancel.id}/cancel`, { reason: 'changed my mind' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.history[2]).toMatchObject({ status: 'cancelled', by: `customer:${ann.id}`, reason: 'changed my mind' });
    expect(await f.level(sku, 'central')).toMatchObject({ on_hand: 8, reserved: 0, available: 8 }); // released
    const [reservation] = await p.databases.inventory.query<{ status: string }>('select status from reservations where id = $1', [toCancel.reservationId]);
    expect(reservation.status).toBe('released');

    // Another customer cannot see or touch it.
    const bob = await f.customer();
    expect((await bob.call('GET', `/v1/orders/${toCancel.id}`)).status).toBe(404);
    expect((await bob.call('POST', `/v1/orders/${toShip.id}/cancel`)).status).toBe(404);

    await waitFor('the lifecycle events', async () => {
      const events = (await streamMessages(p.nats.url, 'ORDERS_EVENTS')).filter((m) => m.event.data.order?.id === toShip.id).map((m) => m.subject);
      return events.join() === 'orders.order.placed,orders.order.confirmed,orders.order.shipped,orders.order.completed';
    });
  });

  it('takes a web order back at a POS: refund from the frozen prices, restock at the store, never more than bought', async () => {
    const [sku, other] = await f.product([3000, 1000], { central: 10 });
    const ann = await f.customer();
    const order = (await ann.call('POST', '/v1/orders', { currency: 'EUR', lines: [{ sku, quantity: 3 }, { sku: other, quantity: 1 }], fulfilment: delivery }, { 'idempotency-key': uniqueKey() })).body;
    const early = await posBerlin.post(`/v1/orders/${order.id}/returns`, { lines: [{ sku, quantity: 1 }], reason: 'too small', restockLocationId: f.loc['berlin'] });
    expect(early.status).toBe(409); // not completed yet
    await p.admin.post(`/v1/orders/${order.id}/ship`);
    await p.admin.post(`/v1/orders/${order.id}/complete`);
    const berlinBefore = (await f.level(sku, 'berlin'))?.on_hand ?? 0;

    const tooMany = await posBerlin.post(`/v1/orders/${order.id}/returns`, { lines: [{ sku, quantity: 4 }], reason: 'too small', restockLocationId: f.loc['berlin'] });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.details).toEqual([{ field: 'lines.0.quantity', problem: `4 is more than the 3 of ${sku} that can still be returned (3 bought, 0 already returned)` }]);
    const unknownPlace = await posBerlin.post(`/v1/orders/${order.id}/returns`, { lines: [{ sku, quantity: 1 }], reason: 'x', restockLocationId: 'loc_0000000000000000000000' });
    expect(unknownPlace.status).toBe(400);
    expect(unknownPlace.body.details[0].field).toBe('restockLocationId');

    const created = await posBerlin.post(`/v1/orders/${order.id}/returns`, { lines: [{ sku, quantity: 2 }], reason: 'too small', restockLocationId: f.loc['berlin'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ orderId: order.id, channel: 'pos-berlin', status: 'requested', refundTotal: 6000, lines: [{ sku, quantity: 2, refund: 6000 }], createdBy: 'staff:pos-berlin' });
    // Concurrent returns of the last unit: one wins.
    const racing = await Promise.all([1, 2].map(() => ann.call('POST', `/v1/orders/${order.id}/returns`, { lines: [{ sku, quantity: 1 }], reason: 'also', restockLocationId: f.loc['berlin'] })));
    expect(racing.map((r) => r.status).sort()).toEqual([201, 400]);

    expect((await ann.call('POST', `/v1/returns/${created.body.id}/accept`)).status).toBe(403); // the customer does not accept it
    const accepted = await posBerlin.post(`/v1/returns/${created.body.id}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe('accepted');
    expect((await posBerlin.post(`/v1/returns/${created.body.id}/accept`)).body.status).toBe('accepted'); // once
    expect((await f.level(sku, 'berlin'))?.on_hand).toBe(berlinBefore + 2);
    const movements = await p.databases.inventory.query<{ reason: string; delta: number }>("select reason, delta from stock_movements where sku = $1 and location_id = $2 and reason = 'return'", [sku, f.loc['berlin']]);
    expect(movements).toEqual([{ reason: 'return', delta: 2 }]);

    const rejected = await p.admin.post(`/v1/returns/${racing.find((r) => r.status === 201)?.body.id}/reject`, { reason: 'worn' });
    expect(rejected.body.status).toBe('rejected');
    const afterReject = (await ann.call('GET', `/v1/orders/${order.id}`)).body;
    expect(afterReject.lines.find((l: any) => l.sku === sku).returnedQuantity).toBe(2); // the rejected unit can come back again
    expect((await ann.call('GET', `/v1/orders/${order.id}/returns`)).body.items.map((r: any) => r.status)).toEqual(['accepted', 'rejected']);
    await waitFor('the return events', async () => {
      const events = (await streamMessages(p.nats.url, 'ORDERS_EVENTS')).filter((m) => m.event.data.orderReturn?.orderId === order.id).map((m) => m.subject);
      return ['orders.return.created', 'orders.return.accepted', 'orders.return.rejected'].every((s) => events.includes(s));
    });

    // Loyalty follows the goods: the 100 € order earned 100 points; 60 € came back, so 60 are taken back.
    const balance = async () => (await ann.call('GET', '/v1/me/loyalty')).body.balance;
    await waitFor('the points of the returned goods taken back', async () => (await balance()) === 40);
    // The last unit comes back too: what is still paid is 10 €, so 10 points stay.
    const last = await posBerlin.post(`/v1/orders/${order.id}/returns`, { lines: [{ sku, quantity: 1 }], reason: 'also', restockLocationId: f.loc['berlin'] });
    expect((await posBerlin.post(`/v1/returns/${last.body.id}/accept`)).body.status).toBe('accepted');
    await waitFor('the points of the last unit taken back', async () => (await balance()) === 10);
    const ledger = (await ann.call('GET', '/v1/me/loyalty')).body.entries;
    expect(ledger.map((e: any) => [e.kind, e.points, e.orderId]).sort()).toEqual(
      [
        ['adjust', -30, order.id],
        ['adjust', -60, order.id],
        ['earn', 100, order.id],
      ].sort(),
    );
  });

  it('shows a customer one history of web, POS, marketplace and phone orders, and earns points for completed ones', async () => {
    const [sku] = await f.product([1000], { central: 20, berlin: 5 });
    const ann = await f.customer();
    const line = { currency: 'EUR', lines: [{ sku, quantity: 1 }] };
    const fromWeb = (await ann.call('POST', '/v1/orders', { ...line, fulfilment: delivery }, { 'idempotency-key': uniqueKey() })).body;
    const atPos = await placeOrder(posBerlin, { ...line, fulfilment: { type: 'carry-out' }, customerId: ann.id });
    expect(atPos.status).toBe(201);
    expect((await f.level(sku, 'berlin'))?.reserved).toBe(1); // the POS sells from its store
    const imported = await placeOrder(marketplace, { ...line, fulfilment: delivery, customerId: ann.id, externalId: 'AMZ-1001' });
    expect(imported.status).toBe(201);
    const reimported = await placeOrder(marketplace, { ...line, fulfilment: delivery, customerId: ann.id, externalId: 'AMZ-1001' }); // another key
    expect(reimported.status).toBe(200);
    expect(reimported.body.id).toBe(imported.body.id);
    const byPhone = await placeOrder(p.admin, { ...line, fulfilment: delivery, customerId: ann.id, channel: 'phone' });
    expect(byPhone.status).toBe(201);
    expect(byPhone.body.history[0].by).toBe('admin');
    const anonymous = await placeOrder(posBerlin, { ...line, fulfilment: { type: 'carry-out' } });
    expect(anonymous.status).toBe(201);
    expect(anonymous.body.customerId).toBeNull();

    const history = await ann.call('GET', '/v1/me/orders?limit=3');
    expect(history.status).toBe(200);
    expect(history.body.items.map((o: any) => o.channel)).toEqual(['phone', 'marketplace', 'pos-berlin']);
    const rest = await ann.call('GET', `/v1/me/orders?limit=3&cursor=${history.body.nextCursor}`);
    expect(rest.body.items.map((o: any) => o.id)).toEqual([fromWeb.id]);
    expect(rest.body.nextCursor).toBeNull();
    const bob = await f.customer();
    expect((await bob.call('GET', '/v1/me/orders')).body.items).toEqual([]);
    expect((await bob.call('GET', `/v1/orders?customerId=${ann.id}`)).status).toBe(403);
    // A self-service key without a customer sees its own channel only.
    expect((await web.get(`/v1/orders/${atPos.body.id}`)).status).toBe(404);
    expect((await posBerlin.get(`/v1/orders/${fromWeb.id}`)).status).toBe(200); // staff see every channel

    // The sale at the till is completed at once; the customers service credits 1 point per euro.
    expect((await posBerlin.post(`/v1/orders/${atPos.body.id}/complete`)).body.status).toBe('completed');
    await waitFor('loyalty points for the completed order', async () => (await ann.call('GET', '/v1/me/loyalty')).body.balance === 10);
    const ledger = (await ann.call('GET', '/v1/me/loyalty')).body.entries;
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ kind: 'earn', points: 10, orderId: atPos.body.id, channel: 'pos-berlin' });
  });
});

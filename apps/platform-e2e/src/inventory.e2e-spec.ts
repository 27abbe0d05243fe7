import { ApiClient, waitFor } from '@omnibus/testing';
import { Platform, productBody, startPlatform, streamMessages } from './platform';

// Four channel keys for the concurrency test, and one POS key per store.
const API_KEYS = [
  'dev-admin=admin',
  'web-key-0001=channel:web',
  'app-key-0001=channel:app',
  'mkt-key-0001=channel:marketplace',
  'b2b-key-0001=channel:b2b',
  'pos-berlin-key=channel:pos-berlin-mitte',
  'pos-hamburg-key=channel:pos-hamburg',
].join(',');

const ADDRESS = { line1: 'Hauptstraße 1', postalCode: '10115', city: 'Berlin', country: 'DE' };
const WEEK = (['mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const).map((day) => ({ day, opens: '09:00', closes: '20:00' }));

describe('inventory through the gateway (real NATS and PostgreSQL)', () => {
  let p: Platform;
  let admin: ApiClient;
  let channelKeys: ApiClient[];
  const loc: Record<string, string> = {};

  const createLocation = async (body: Record<string, unknown>) => {
    const res = await admin.post('/v1/locations', body);
    expect(res.status).toBe(201);
    loc[body['code'] as string] = res.body.id;
    return res.body;
  };

  /** A product created in the catalog, once the inventory has learnt its SKUs from the catalog's events. */
  const knownProduct = async (overrides: Record<string, unknown> = {}) => {
    const created = await admin.post('/v1/products', productBody(overrides));
    expect(created.status).toBe(201);
    for (const v of created.body.variants) {
      await waitFor(`the inventory to know ${v.sku}`, async () => (await admin.get(`/v1/availability/${v.sku}`)).status === 200);
    }
    return { id: created.body.id as string, skus: created.body.variants.map((v: { sku: string }) => v.sku) as string[] };
  };

  const setStock = async (code: string, sku: string, onHand: number) => {
    const res = await admin.request('PUT', `/v1/stock/${loc[code]}/${sku}`, { onHand });
    expect(res.status).toBe(200);
    return res.body;
  };

  const levels = (sku: string) =>
    p.databases.inventory.query<{ location_id: string; on_hand: number; reserved: number; available: number }>(
      'select location_id, on_hand, reserved, available from stock_levels where sku = $1 order by location_id',
      [sku],
    );

  beforeAll(async () => {
    p = await startPlatform({
      only: ['catalog', 'inventory'],
      // The 200 concurrent reservations queue for one row on a shared 2-core machine: allow them time.
      gatewayEnv: { API_KEYS, NATS_REQUEST_TIMEOUT_MS: '15000' },
      serviceEnv: { inventory: { RESERVATION_SWEEP_INTERVAL_MS: '200' } },
    });
    admin = p.admin;
    channelKeys = ['web-key-0001', 'app-key-0001', 'mkt-key-0001', 'b2b-key-0001'].map((k) => admin.as(k));
    const all = ['web', 'app', 'marketplace', 'b2b'];
    await createLocation({ code: 'central', name: 'Central warehouse', kind: 'warehouse', address: { ...ADDRESS, city: 'Erfurt' }, geo: { latitude: 50.9848, longitude: 11.0299 }, channels: all, priority: 1, ships: true });
    await createLocation({ code: 'overflow', name: 'Overflow warehouse', kind: 'warehouse', address: { ...ADDRESS, city: 'Leipzig' }, geo: { latitude: 51.3397, longitude: 12.3731 }, channels: all, priority: 2, ships: true });
    await createLocation({ code: 'berlin-mitte', name: 'Berlin Mitte', kind: 'store', address: ADDRESS, geo: { latitude: 52.5246, longitude: 13.4027 }, timezone: 'Europe/Berlin', openingHours: WEEK, channels: ['web', 'app', 'pos-berlin-mitte'], pickup: true, priority: 10 });
    await createLocation({ code: 'berlin-kreuzberg', name: 'Berlin Kreuzberg', kind: 'store', address: ADDRESS, geo: { latitude: 52.4986, longitude: 13.4033 }, timezone: 'Europe/Berlin', openingHours: WEEK, channels: ['web', 'app', 'pos-berlin-kreuzberg'], pickup: true, priority: 10 });
    await createLocation({ code: 'hamburg', name: 'Hamburg', kind: 'store', address: { ...ADDRESS, city: 'Hamburg' }, geo: { latitude: 53.5511, longitude: 9.9937 }, timezone: 'Europe/Berlin', openingHours: WEEK, channels: ['web', 'app', 'pos-hamburg'], pickup: true, priority: 10 });
  });
  afterAll(async () => {
    await p?.stop();
  });

  it('refuses bad input with a 4xx naming the problem, and writes nothing', async () => {
    const { skus } = await knownProduct();
    const negative = await admin.request('PUT', `/v1/stock/${loc['central']}/${skus[0]}`, { onHand: -1 });
    expect(negative.status).toBe(400);
    expect(negative.body.details).toEqual([{ field: 'onHand', problem: 'must not be negative' }]);

    const unknownLocation = await admin.request('PUT', `/v1/stock/loc_0000000000000000000000/${skus[0]}`, { onHand: 1 });
    expect(unknownLocation.status).toBe(400);
    expect(unknownLocation.body.details).toEqual([{ field: 'locationId', problem: '"loc_0000000000000000000000" is not a known location' }]);

    const unknownSku = await admin.request('PUT', `/v1/stock/${loc['central']}/NO-SUCH-SKU`, { onHand: 1 });
    expect(unknownSku.status).toBe(400);
    expect(unknownSku.body.details).toEqual([{ field: 'sku', problem: '"NO-SUCH-SKU" is not a SKU the catalog knows' }]);
    expect(unknownSku.body.message).toMatch(/NO-SUCH-SKU/);

    const zeroDelta = await admin.post(`/v1/stock/${loc['central']}/${skus[0]}/adjustments`, { delta: 0, reason: 'receipt' });
    expect(zeroDelta.status).toBe(400);
    expect(zeroDelta.body.details[0].field).toBe('delta');
    const tooMuch = await admin.post(`/v1/stock/${loc['central']}/${skus[0]}/adjustments`, { delta: -1, reason: 'damage' });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.details[0]).toEqual({ field: 'delta', problem: 'would leave -1 on hand (0 there now)' });

    const badLine = await channelKeys[0].post('/v1/reservations', { key: 'bad-input-1', lines: [{ sku: skus[0], quantity: 0 }] });
    expect(badLine.status).toBe(400);
    expect(badLine.body.details[0]).toEqual({ field: 'lines.0.quantity', problem: 'must be at least 1' });
    const unknownLine = await channelKeys[0].post('/v1/reservations', { key: 'bad-input-2', lines: [{ sku: skus[0], quantity: 1 }, { sku: 'NO-SUCH-SKU', quantity: 1 }] });
    expect(unknownLine.status).toBe(400);
    expect(unknownLine.body.details).toContainEqual({ field: 'lines.1.sku', problem: '"NO-SUCH-SKU" is not a SKU the catalog knows' });

    const bulk = await admin.post('/v1/stock/bulk', { items: [{ sku: skus[0], locationId: loc['central'], onHand: 5 }, { sku: 'NO-SUCH-SKU', locationId: loc['central'], onHand: 5 }] });
    expect(bulk.status).toBe(400);
    expect(bulk.body.details).toEqual([{ field: 'items.1.sku', problem: '"NO-SUCH-SKU" is not a SKU the catalog knows' }]);

    const noCentre = await channelKeys[0].post('/v1/availability/pickup', { lines: [{ sku: skus[0], quantity: 1 }] });
    expect(noCentre.status).toBe(400);
    expect(noCentre.body.details[0].field).toBe('locationId');
    expect((await channelKeys[0].request('PUT', `/v1/stock/${loc['central']}/${skus[0]}`, { onHand: 1 })).status).toBe(403);
    expect((await channelKeys[0].post('/v1/reservations', { key: 'bad-input-3', channel: 'b2b', lines: [{ sku: skus[0], quantity: 1 }] })).status).toBe(403);

    // Nothing of the refused bulk feed was written.
    expect(await levels(skus[0])).toEqual([]);
  });

  it('sets, adjusts and transfers stock, recording each movement with its reason and reference, and emits stock.changed', async () => {
    const { skus } = await knownProduct();
    const sku = skus[0];
    expect(await setStock('central', sku, 10)).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
    const receipt = await admin.post(`/v1/stock/${loc['central']}/${sku}/adjustments`, { delta: 5, reason: 'receipt', reference: 'PO-4711' });
    expect(receipt.body).toMatchObject({ onHand: 15, available: 15 });
    const damage = await admin.post(`/v1/stock/${loc['central']}/${sku}/adjustments`, { delta: -2, reason: 'damage', reference: 'DMG-1' });
    expect(damage.body).toMatchObject({ onHand: 13 });
    const transfer = await admin.post('/v1/stock/transfers', { sku, fromLocationId: loc['central'], toLocationId: loc['hamburg'], quantity: 3, reference: 'TR-1' });
    expect(transfer.status).toBe(200);
    expect(transfer.body.from).toMatchObject({ onHand: 10, available: 10 });
    expect(transfer.body.to).toMatchObject({ onHand: 3, available: 3 });
    // A count that confirms the figure changes nothing and records nothing.
    expect(await setStock('central', sku, 10)).toMatchObject({ onHand: 10 });

    const movements = await admin.get(`/v1/stock/movements?sku=${sku}`);
    expect(movements.status).toBe(200);
    const summary = movements.body.items.map((m: any) => [m.locationId === loc['central'] ? 'central' : 'hamburg', m.delta, m.onHandAfter, m.reason, m.reference]);
    expect(summary).toEqual(
      expect.arrayContaining([
        ['central', 10, 10, 'count', null],
        ['central', 5, 15, 'receipt', 'PO-4711'],
        ['central', -2, 13, 'damage', 'DMG-1'],
        ['central', -3, 10, 'transfer', 'TR-1'],
        ['hamburg', 3, 3, 'transfer', 'TR-1'],
      ]),
    );
    expect(summary).toHaveLength(5);

    const events = await waitFor('five stock.changed events', async () => {
      const found = (await streamMessages(p.nats.url, 'INVENTORY_EVENTS')).filter((m) => m.subject === 'inventory.stock.changed' && m.event.data.sku === sku);
      return found.length >= 5 ? found : undefined;
    });
    expect(events.map((e) => [e.event.data.onHand, e.event.data.reserved, e.event.data.available, e.event.data.cause])).toEqual([
      [10, 0, 10, 'set'],
      [15, 0, 15, 'adjust'],
      [13, 0, 13, 'adjust'],
      [10, 0, 10, 'transfer'],
      [3, 0, 3, 'transfer'],
    ]);
    expect(events[0].event).toMatchObject({ source: 'inventory', version: 1 });
  });

  it('gives exactly 50 of 200 concurrent one-unit reservations across 4 channels, refuses the rest with 409, and the figures add up', async () => {
    const { skus } = await knownProduct();
    const sku = skus[0];
    await setStock('central', sku, 30);
    await setStock('overflow', sku, 20);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => channelKeys[i % 4].post('/v1/reservations', { key: `race-${sku}-${i}`, lines: [{ sku, quantity: 1 }] })),
    );
    const statuses = results.map((r) => r.status);
    expect(results.filter((r) => r.status !== 201 && r.status !== 409).map((r) => [r.status, r.body])).toEqual([]);
    expect(statuses.filter((s) => s === 201)).toHaveLength(50);
    expect(statuses.filter((s) => s === 409)).toHaveLength(150);
    const refusal = results.find((r) => r.status === 409)!;
    expect(refusal.body.message).toContain(sku);
    expect(refusal.body.details[0]).toMatchObject({ field: 'lines.0.quantity' });
    expect(refusal.body.details[0].problem).toMatch(new RegExp(`SKU ${sku}: 1 requested, 0 available`));

    const rows = await levels(sku);
    expect(rows.reduce((s, r) => s + r.on_hand, 0)).toBe(50);
    expect(rows.reduce((s, r) => s + r.reserved, 0)).toBe(50);
    for (const r of rows) expect(r.available).toBe(Math.max(r.on_hand - r.reserved, 0));
    expect(rows.every((r) => r.available === 0)).toBe(true);
    const [held] = await p.databases.inventory.query<{ units: string; n: string }>(
      "select coalesce(sum((l->>'quantity')::int), 0) as units, count(distinct r.id) as n from reservations r, jsonb_array_elements(r.lines) l where r.status = 'active' and l->>'sku' = $1",
      [sku],
    );
    expect(Number(held.units)).toBe(50);
    expect(Number(held.n)).toBe(50);
    const winners = results.filter((r) => r.status === 201).map((r) => r.body);
    expect(new Set(winners.map((w) => w.channel))).toEqual(new Set(['web', 'app', 'marketplace', 'b2b']));
    expect((await admin.get(`/v1/availability/${sku}`)).body.available).toBe(0);
  });

  it('reserves nothing when one line of a multi-line reservation is short', async () => {
    const { skus } = await knownProduct();
    const [a, b] = skus;
    await setStock('central', a, 5);
    await setStock('central', b, 1);
    const res = await channelKeys[0].post('/v1/reservations', { key: `multi-${a}`, lines: [{ sku: a, quantity: 2 }, { sku: b, quantity: 2 }] });
    expect(res.status).toBe(409);
    expect(res.body.details).toEqual([{ field: 'lines.1.quantity', problem: `SKU ${b}: 2 requested, 1 available for channel web` }]);
    expect(await levels(a)).toEqual([expect.objectContaining({ on_hand: 5, reserved: 0, available: 5 })]);
    expect(await levels(b)).toEqual([expect.objectContaining({ on_hand: 1, reserved: 0, available: 1 })]);
    expect(await p.databases.inventory.query('select id from reservations where key = $1', [`multi-${a}`])).toEqual([]);
    const ok = await channelKeys[0].post('/v1/reservations', { key: `multi-ok-${a}`, lines: [{ sku: a, quantity: 2 }, { sku: b, quantity: 1 }] });
    expect(ok.status).toBe(201);
    expect(ok.body.lines).toEqual(
      expect.arrayContaining([
        { sku: a, locationId: loc['central'], quantity: 2 },
        { sku: b, locationId: loc['central'], quantity: 1 },
      ]),
    );
  });

  it('serves a cart from the first location that has every line, splits it only when none has, and announces each level', async () => {
    const { skus } = await knownProduct();
    const [a, b] = skus;
    // Reservation lines and their events come in SKU order.
    const bySku = <T extends { sku: string }>(items: T[]) => [...items].sort((x, y) => (x.sku < y.sku ? -1 : 1));
    await setStock('central', a, 5);
    await setStock('overflow', a, 5);
    await setStock('overflow', b, 5);
    // Central comes first but lacks b: the whole cart ships from the overflow warehouse, in one parcel.
    const whole = await channelKeys[0].post('/v1/reservations', { key: `whole-${a}`, lines: [{ sku: b, quantity: 1 }, { sku: a, quantity: 2 }] });
    expect(whole.status).toBe(201);
    expect(whole.body.lines).toEqual(
      bySku([
        { sku: a, locationId: loc['overflow'], quantity: 2 },
        { sku: b, locationId: loc['overflow'], quantity: 1 },
      ]),
    );
    // Now no location has 4 of a and 2 of b: a comes from central, b from overflow.
    const split = await channelKeys[0].post('/v1/reservations', { key: `split-${a}`, lines: [{ sku: a, quantity: 4 }, { sku: b, quantity: 2 }] });
    expect(split.status).toBe(201);
    expect(split.body.lines).toEqual(
      bySku([
        { sku: a, locationId: loc['central'], quantity: 4 },
        { sku: b, locationId: loc['overflow'], quantity: 2 },
      ]),
    );
    expect(await levels(a)).toEqual(
      [
        { location_id: loc['central'], on_hand: 5, reserved: 4, available: 1 },
        { location_id: loc['overflow'], on_hand: 5, reserved: 2, available: 3 },
      ].sort((x, y) => (x.location_id < y.location_id ? -1 : 1)),
    );
    expect(await levels(b)).toEqual([{ location_id: loc['overflow'], on_hand: 5, reserved: 3, available: 2 }]);

    const events = await waitFor('the reservations and their stock.changed events', async () => {
      const found = (await streamMessages(p.nats.url, 'INVENTORY_EVENTS')).filter(
        (m) => (m.subject === 'inventory.stock.changed' && m.event.data.reference === `whole-${a}`) || (m.subject === 'inventory.reservation.created' && m.event.data.reservation.key === `whole-${a}`),
      );
      return found.length >= 3 ? found : undefined;
    });
    expect(events.map((e) => e.subject)).toEqual(['inventory.reservation.created', 'inventory.stock.changed', 'inventory.stock.changed']);
    expect(events[0].event.data.reservation).toMatchObject({ id: whole.body.id, key: `whole-${a}`, status: 'active', lines: whole.body.lines });
    expect(events.slice(1).map((e) => e.event.data)).toEqual(
      bySku([
        { sku: a, locationId: loc['overflow'], onHand: 5, reserved: 2, available: 3, version: expect.any(Number), cause: 'reserve', reference: `whole-${a}` },
        { sku: b, locationId: loc['overflow'], onHand: 5, reserved: 1, available: 4, version: expect.any(Number), cause: 'reserve', reference: `whole-${a}` },
      ]),
    );
  });

  it('keeps concurrent multi-line reservations all-or-nothing, whatever the order of their lines', async () => {
    const { skus } = await knownProduct();
    const [a, b] = skus;
    await setStock('central', a, 10);
    await setStock('central', b, 10);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const lines = [{ sku: a, quantity: 1 }, { sku: b, quantity: 1 }];
        return channelKeys[i % 4].post('/v1/reservations', { key: `pair-${a}-${i}`, lines: i % 2 ? lines.reverse() : lines });
      }),
    );
    expect(results.filter((r) => r.status !== 201 && r.status !== 409).map((r) => [r.status, r.body])).toEqual([]);
    expect(results.filter((r) => r.status === 201)).toHaveLength(10);
    expect(await levels(a)).toEqual([expect.objectContaining({ on_hand: 10, reserved: 10, available: 0 })]);
    expect(await levels(b)).toEqual([expect.objectContaining({ on_hand: 10, reserved: 10, available: 0 })]);
  });

  it('releases an expired reservation and its stock is available again', async () => {
    const { skus } = await knownProduct();
    const sku = skus[0];
    await setStock('central', sku, 3);
    const res = await channelKeys[1].post('/v1/reservations', { key: `expiring-${sku}`, lines: [{ sku, quantity: 2 }], ttlSeconds: 1 });
    expect(res.status).toBe(201);
    expect((await admin.get(`/v1/availability/${sku}`)).body.available).toBe(1);
    const expired = await waitFor('the reservation to expire', async () => {
      const r = await channelKeys[1].get(`/v1/reservations/${res.body.id}`);
      return r.body.status === 'expired' ? r.body : undefined;
    });
    expect(expired.id).toBe(res.body.id);
    expect((await admin.get(`/v1/availability/${sku}`)).body.available).toBe(3);
    expect(await levels(sku)).toEqual([expect.objectContaining({ on_hand: 3, reserved: 0 })]);
    const late = await channelKeys[1].post(`/v1/reservations/${res.body.id}/commit`);
    expect(late.status).toBe(409);
    expect(late.body.message).toMatch(/expired/);
    const events = await waitFor('the expired event', async () => {
      const found = (await streamMessages(p.nats.url, 'INVENTORY_EVENTS')).filter((m) => m.subject === 'inventory.reservation.expired' && m.event.data.reservation.id === res.body.id);
      return found.length ? found : undefined;
    });
    expect(events).toHaveLength(1);
  });

  it('does not reserve twice for a repeated key, and refuses the key for other lines', async () => {
    const { skus } = await knownProduct();
    const sku = skus[0];
    await setStock('central', sku, 10);
    const body = { key: `once-${sku}`, lines: [{ sku, quantity: 3 }] };
    const first = await channelKeys[0].post('/v1/reservations', body);
    const repeats = await Promise.all(Array.from({ length: 5 }, () => channelKeys[0].post('/v1/reservations', body)));
    expect(first.status).toBe(201);
    for (const r of repeats) expect(r.body.id).toBe(first.body.id);
    expect(await levels(sku)).toEqual([expect.objectContaining({ on_hand: 10, reserved: 3, available: 7 })]);
    const other = await channelKeys[0].post('/v1/reservations', { ...body, lines: [{ sku, quantity: 4 }] });
    expect(other.status).toBe(409);
    expect(other.body.details[0].field).toBe('key');
    expect(await levels(sku)).toEqual([expect.objectContaining({ reserved: 3 })]);
  });

  it('commits (stock leaves) and releases (stock returns) once each, idempotently', async () => {
    const { skus } = await knownProduct();
    const sku = skus[0];
    await setStock('central', sku, 10);
    const sold = await channelKeys[0].post('/v1/reservations', { key: `sold-${sku}`, lines: [{ sku, quantity: 4 }] });
    const dropped = await channelKeys[0].post('/v1/reservations', { key: `dropped-${sku}`, lines: [{ sku, quantity: 2 }] });
    expect(await levels(sku)).toEqual([expect.objectContaining({ on_hand: 10, reserved: 6, available: 4 })]);

    const committed = await channelKeys[0].post(`/v1/reservations/${sold.body.id}/commit`);
    expect(committed.status).toBe(200);
    expect(committed.body.status).toBe('committed');
    expect((await channelKeys[0].post(`/v1/reservations/sold-${sku}/commit`)).body.status).toBe('committed'); // by key, again
    expect(await levels(sku)).toEqual([expect.objectContaining({ on_hand: 6, reserved: 2, available: 4 })]);
    expect((await channelKeys[0].post(`/v1/reservations/${sold.body.id}/release`)).status).toBe(409);
    // Another channel cannot see or settle it.
    expect((await channelKeys[1].post(`/v1/reservations/${dropped.body.id}/release`)).status).toBe(404);

    expect((await channelKeys[0].post(`/v1/reservations/${dropped.body.id}/release`)).body.status).toBe('released');
    expect((await channelKeys[0].post(`/v1/reservations/${dropped.body.id}/release`)).body.status).toBe('released');
    expect(await levels(sku)).toEqual([expect.objectContaining({ on_hand: 6, reserved: 0, available: 6 })]);
    const sale = (await admin.get(`/v1/stock/movements?sku=${sku}`)).body.items.find((m: any) => m.reason === 'sale');
    expect(sale).toMatchObject({ delta: -4, onHandAfter: 6, reference: `sold-${sku}` });
  });

  it("shows a store's POS key only that store's stock and lets it reserve only there", async () => {
    const { id, skus } = await knownProduct({ channels: ['web', 'pos-berlin-mitte'] });
    const sku = skus[0];
    await setStock('central', sku, 10);
    await setStock('berlin-mitte', sku, 3);
    await setStock('hamburg', sku, 4);
    const pos = admin.as('pos-berlin-key');

    const seen = await pos.get(`/v1/availability/${sku}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ sku, channel: 'pos-berlin-mitte', available: 3 });
    expect(seen.body.locations).toEqual([expect.objectContaining({ locationId: loc['berlin-mitte'], available: 3 })]);
    expect(seen.body.locations[0].onHand).toBeUndefined();
    const web = await channelKeys[0].get(`/v1/availability/${sku}`);
    expect(web.body.available).toBe(17);
    expect(web.body.locations).toHaveLength(3);
    expect((await pos.get(`/v1/availability/${sku}?channel=web`)).status).toBe(403);

    const detail = await pos.get(`/v1/products/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.availability).toEqual({ channel: 'pos-berlin-mitte', variants: [{ sku, available: 3 }, { sku: skus[1], available: 0 }] });

    expect((await pos.post('/v1/reservations', { key: `pos-too-many-${sku}`, lines: [{ sku, quantity: 4 }] })).status).toBe(409);
    const elsewhere = await pos.post('/v1/reservations', { key: `pos-hamburg-${sku}`, locationId: loc['hamburg'], lines: [{ sku, quantity: 1 }] });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.details).toEqual([{ field: 'locationId', problem: 'location hamburg does not supply channel pos-berlin-mitte' }]);
    const ok = await pos.post('/v1/reservations', { key: `pos-ok-${sku}`, lines: [{ sku, quantity: 3 }] });
    expect(ok.status).toBe(201);
    expect(ok.body.lines).toEqual([{ sku, locationId: loc['berlin-mitte'], quantity: 3 }]);
    expect((await channelKeys[0].get(`/v1/availability/${sku}`)).body.available).toBe(14);
  });

  it('finds the pickup locations that can serve every line now, nearest first, in one call', async () => {
    const { skus } = await knownProduct();
    const [x, y] = skus;
    for (const [code, qx, qy] of [
      ['central', 100, 100], // ships, no pickup
      ['berlin-mitte', 2, 1], // short of y
      ['berlin-kreuzberg', 5, 5],
      ['hamburg', 5, 5],
    ] as const) {
      await setStock(code, x, qx);
      await setStock(code, y, qy);
    }
    const lines = [{ sku: x, quantity: 2 }, { sku: y, quantity: 2 }];
    const alexanderplatz = { latitude: 52.5219, longitude: 13.4132 };
    const wide = await channelKeys[0].post('/v1/availability/pickup', { lines, ...alexanderplatz, radiusKm: 400 });
    expect(wide.status).toBe(200);
    expect(wide.body.locations.map((l: any) => l.code)).toEqual(['berlin-kreuzberg', 'hamburg']);
    const [first, second] = wide.body.locations;
    expect(first.distanceKm).toBeLessThan(second.distanceKm);
    expect(first.distanceKm).toBeGreaterThan(2);
    expect(first.distanceKm).toBeLessThan(4);
    expect(first.lines).toEqual([
      { sku: x, quantity: 2, available: 5 },
      { sku: y, quantity: 2, available: 5 },
    ]);
    expect(first).toMatchObject({ timezone: 'Europe/Berlin', openingHours: WEEK, address: ADDRESS });
    expect(typeof first.openNow).toBe('boolean');

    const near = await channelKeys[0].post('/v1/availability/pickup', { lines, ...alexanderplatz, radiusKm: 25 });
    expect(near.body.locations.map((l: any) => l.code)).toEqual(['berlin-kreuzberg']);
    const aroundStore = await channelKeys[0].post('/v1/availability/pickup', { lines: [{ sku: x, quantity: 2 }], locationId: loc['berlin-mitte'], radiusKm: 400 });
    expect(aroundStore.body.locations.map((l: any) => l.code)).toEqual(['berlin-mitte', 'berlin-kreuzberg', 'hamburg']);
    expect(aroundStore.body.locations[0].distanceKm).toBe(0);
    // The Hamburg POS sees only its own store.
    const hamburgPos = await admin.as('pos-hamburg-key').post('/v1/availability/pickup', { lines, ...alexanderplatz, radiusKm: 400 });
    expect(hamburgPos.body.locations.map((l: any) => l.code)).toEqual(['hamburg']);
  });

  it('adds availability for the caller to product details, kept fresh by stock events', async () => {
    const { id, skus } = await knownProduct();
    await setStock('central', skus[0], 7);
    await setStock('berlin-mitte', skus[0], 2);
    const web = await channelKeys[0].get(`/v1/products/${id}`);
    expect(web.status).toBe(200);
    expect(web.body.availability).toEqual({ channel: 'web', variants: [{ sku: skus[0], available: 9 }, { sku: skus[1], available: 0 }] });
    const detailed = await channelKeys[0].get(`/v1/products/${id}?locations=true`);
    expect(detailed.body.availability.variants[0].locations.map((l: any) => [l.code, l.available])).toEqual([
      ['central', 7],
      ['berlin-mitte', 2],
    ]);
    const asAdmin = await admin.get(`/v1/products/${id}`);
    expect(asAdmin.body.availability.channel).toBeNull();
    expect(asAdmin.body.availability.variants[0].locations[0]).toMatchObject({ code: 'central', onHand: 7, reserved: 0, available: 7 });

    // The gateway cached it; a change reaches the next read through the stock.changed event.
    await channelKeys[0].post('/v1/reservations', { key: `detail-${skus[0]}`, lines: [{ sku: skus[0], quantity: 4 }] });
    await setStock('hamburg', skus[1], 5);
    await waitFor('the product detail to show the new figures', async () => {
      const res = await channelKeys[0].get(`/v1/products/${id}`);
      return res.body.availability?.variants[0].available === 5 && res.body.availability?.variants[1].available === 5;
    });
    const bySku = await channelKeys[0].get(`/v1/products/by-sku/${skus[1]}`);
    expect(bySku.body.availability.variants[1]).toEqual({ sku: skus[1], available: 5 });
  });

  it('takes a WMS feed in one call and emits events only for the levels that changed', async () => {
    const { skus } = await knownProduct();
    await setStock('central', skus[0], 4);
    const feed = await admin.post('/v1/stock/bulk', {
      reference: 'WMS-FEED-1',
      items: [
        { sku: skus[0], locationId: loc['central'], onHand: 4 }, // unchanged
        { sku: skus[0], locationId: loc['hamburg'], onHand: 6 },
        { sku: skus[1], locationId: loc['central'], onHand: 0 }, // nothing there before either
        { sku: skus[1], locationId: loc['overflow'], onHand: 9 },
      ],
    });
    expect(feed.status).toBe(200);
    expect(feed.body).toEqual({ received: 4, changed: 2, unchanged: 2 });
    const fed = await waitFor('the feed events', async () => {
      const found = (await streamMessages(p.nats.url, 'INVENTORY_EVENTS')).filter((m) => m.subject === 'inventory.stock.changed' && m.event.data.reference === 'WMS-FEED-1');
      return found.length >= 2 ? found : undefined;
    });
    expect(fed.map((e) => [e.event.data.sku, e.event.data.locationId, e.event.data.onHand, e.event.data.cause]).sort()).toEqual(
      [
        [skus[0], loc['hamburg'], 6, 'bulk-set'],
        [skus[1], loc['overflow'], 9, 'bulk-set'],
      ].sort(),
    );
    const movements = await admin.get('/v1/stock/movements?reference=WMS-FEED-1');
    expect(movements.body.items).toHaveLength(2);
    const repeated = await admin.post('/v1/stock/bulk', { items: [{ sku: skus[0], locationId: loc['hamburg'], onHand: 6 }] });
    expect(repeated.body).toEqual({ received: 1, changed: 0, unchanged: 1 });
  });

  it('manages locations: channel keys see those that supply them, and one taken out of a channel leaves its availability', async () => {
    const popup = await createLocation({ code: 'popup-store', name: 'Pop-up store', kind: 'store', address: ADDRESS, geo: { latitude: 52.51, longitude: 13.39 }, channels: ['web'], pickup: true });
    expect(popup).toMatchObject({ kind: 'store', ships: false, pickup: true, priority: 100, active: true, timezone: 'UTC', version: 1 });
    expect((await admin.post('/v1/locations', { code: 'popup-store', name: 'Again', kind: 'store', address: ADDRESS, geo: { latitude: 1, longitude: 1 } })).status).toBe(409);
    const badHours = await admin.post('/v1/locations', { code: 'night-store', name: 'Night', kind: 'store', address: ADDRESS, geo: { latitude: 1, longitude: 1 }, openingHours: [{ day: 'mon', opens: '22:00', closes: '02:00' }] });
    expect(badHours.status).toBe(400);
    expect(badHours.body.details[0].field).toBe('openingHours');
    expect((await channelKeys[0].post('/v1/locations', { code: 'x-store' })).status).toBe(403);

    const webList = await channelKeys[0].get('/v1/locations?limit=500');
    expect(webList.body.items.map((l: { code: string }) => l.code)).toEqual(expect.arrayContaining(['central', 'berlin-mitte', 'popup-store']));
    const posList = await admin.as('pos-berlin-key').get('/v1/locations');
    expect(posList.body.items.map((l: { code: string }) => l.code)).toEqual(['berlin-mitte']);
    expect((await admin.as('pos-berlin-key').get(`/v1/locations/${popup.id}`)).status).toBe(404);

    const { id, skus } = await knownProduct();
    await setStock('popup-store', skus[0], 5);
    await setStock('central', skus[0], 1);
    expect((await channelKeys[0].get(`/v1/products/${id}`)).body.availability.variants[0].available).toBe(6); // now cached

    const stale = await admin.patch(`/v1/locations/${popup.id}`, { channels: [] }, { 'if-match': '"7"' });
    expect(stale.status).toBe(409);
    const closed = await admin.patch(`/v1/locations/${popup.id}`, { channels: [] }, { 'if-match': '"1"' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ channels: [], version: 2 });
    expect((await channelKeys[0].get(`/v1/availability/${skus[0]}`)).body.available).toBe(1);
    await waitFor('the product detail to drop the location', async () => (await channelKeys[0].get(`/v1/products/${id}`)).body.availability?.variants[0].available === 1);
  });

  it('forgets a SKU removed from its product', async () => {
    const created = await admin.post('/v1/products', productBody());
    const [kept, removed] = created.body.variants.map((v: { sku: string }) => v.sku);
    await waitFor('the inventory to know the SKUs', async () => (await admin.get(`/v1/availability/${removed}`)).status === 200);
    const updated = await admin.patch(`/v1/products/${created.body.id}`, { variants: [{ sku: kept }] }, { 'if-match': '"1"' });
    expect(updated.status).toBe(200);
    await waitFor('the inventory to forget the removed SKU', async () => (await admin.get(`/v1/availability/${removed}`)).status === 404);
    const refused = await admin.request('PUT', `/v1/stock/${loc['central']}/${removed}`, { onHand: 1 });
    expect(refused.status).toBe(400);
    expect(refused.body.details[0].field).toBe('sku');
    expect((await admin.get(`/v1/availability/${kept}`)).status).toBe(200);
  });
});

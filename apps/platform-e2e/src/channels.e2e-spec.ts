import { createHmac } from 'node:crypto';
import { IncomingHttpHeaders, Server, createServer } from 'node:http';
import { ApiClient, waitFor } from '@omnibus/testing';
import { Platform, productBody, startPlatform } from './platform';

// Keys of the channels under test (a channel key reads its own channel only).
const API_KEYS = 'dev-admin=admin,key-web-00001=channel:web,key-pos-berlin=channel:pos-berlin,key-pos-hamburg=channel:pos-hamburg';
const LONG = 60_000;

type Entry = { id: string; cursor: string; channel: string; productId: string; kind: 'upsert' | 'remove'; version: number; aspects: string[]; full: boolean; changes: any; occurredAt: string };

function applyMergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

/** A receiver of webhooks on a local port: records every request, fails as told. */
class Receiver {
  readonly requests: { headers: IncomingHttpHeaders; body: string; answered: number }[] = [];
  failuresLeft = 0;
  failAlways = false;
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const fail = this.failAlways || this.failuresLeft-- > 0;
        const answered = fail ? 500 : 204;
        this.requests.push({ headers: req.headers, body, answered });
        res.writeHead(answered).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as { port: number }).port}/hooks/omnibus`;
    return this;
  }

  /** Entries received with a 2xx answer, deduplicated by entry id, in arrival order. */
  delivered(): Entry[] {
    const seen = new Set<string>();
    return this.requests
      .filter((r) => r.answered < 300)
      .map((r) => JSON.parse(r.body) as Entry)
      .filter((e) => !seen.has(e.id) && !!seen.add(e.id));
  }

  async stop() {
    await new Promise((r) => this.server?.close(r));
  }
}

describe('channels: per-channel views, delta feeds, webhooks, sync state', () => {
  let p: Platform;
  let admin: ApiClient;
  const locations: Record<string, string> = {};
  let priceListId: string;

  beforeAll(async () => {
    p = await startPlatform({
      only: ['catalog', 'pricing', 'inventory', 'channels'],
      gatewayEnv: { API_KEYS, SSE_POLL_MS: '500', SSE_HEARTBEAT_MS: '1000' },
      serviceEnv: { channels: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_BASE_MS: '100', WEBHOOK_MAX_ATTEMPTS: '5', WEBHOOK_TIMEOUT_MS: '2000', PRICE_WINDOW_CHECK_MS: '500' } },
    });
    admin = p.admin;
    // Stores supply their POS and the web shop (ship from store); the warehouse supplies the web shop only.
    for (const [code, kind, channels] of [
      ['central', 'warehouse', ['web']],
      ['berlin', 'store', ['web', 'pos-berlin']],
      ['hamburg', 'store', ['web', 'pos-hamburg']],
    ] as const) {
      const res = await admin.post('/v1/locations', {
        code,
        kind,
        name: `Omnibus ${code}`,
        address: { line1: 'Hauptstraße 1', postalCode: '10115', city: code, country: 'DE' },
        geo: { latitude: 52.5, longitude: 13.4 },
        channels,
        ships: true,
        pickup: kind === 'store',
      });
      expect(res.status).toBe(201);
      locations[code] = res.body.id;
    }
    for (const body of [
      { code: 'web', name: 'Web shop', kind: 'web', locales: ['en', 'de'], priceScope: { currency: 'EUR' } },
      { code: 'app', name: 'Mobile app', kind: 'app', locales: ['en'], priceScope: { currency: 'EUR' } },
      { code: 'pos-berlin', name: 'POS Berlin', kind: 'pos', locales: ['de'], assortment: { catalogChannel: 'pos' }, priceScope: { currency: 'EUR', channel: 'pos' } },
      { code: 'pos-hamburg', name: 'POS Hamburg', kind: 'pos', locales: ['de'], assortment: { catalogChannel: 'pos' }, priceScope: { currency: 'EUR', channel: 'pos' } },
      { code: 'marketplace-us', name: 'Marketplace US', kind: 'marketplace', locales: ['en'], assortment: { catalogChannel: 'marketplace' }, priceScope: { currency: 'USD' }, stockScope: { locations: ['central'] } },
    ]) {
      const res = await admin.post('/v1/channels', body);
      expect(res.status).toBe(201);
    }
    const list = await admin.post('/v1/price-lists', { name: 'Base' });
    expect(list.status).toBe(201);
    priceListId = list.body.id;
  }, 180_000);

  afterAll(async () => {
    await p?.stop();
  });

  /** Every entry of a channel's feed after `after` (all pages). */
  async function feed(channel: string, after?: string, client = admin): Promise<{ entries: Entry[]; nextCursor: string }> {
    const entries: Entry[] = [];
    let cursor = after;
    for (;;) {
      const res = await client.get(`/v1/channels/${channel}/feed?limit=500${cursor ? `&after=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      entries.push(...res.body.entries);
      cursor = res.body.nextCursor;
      if (!res.body.hasMore) return { entries, nextCursor: cursor! };
    }
  }

  /** The channel's views, rebuilt from its whole feed as a channel would. */
  async function views(channel: string): Promise<Map<string, any>> {
    const out = new Map<string, any>();
    for (const e of (await feed(channel)).entries) {
      if (e.kind === 'remove') out.delete(e.productId);
      else out.set(e.productId, applyMergePatch(out.get(e.productId) ?? {}, e.changes));
    }
    return out;
  }

  /** A product sold everywhere, with its prices and stock, once every channel shows them. */
  async function stockedProduct(sku: string): Promise<{ id: string; prices: Record<string, { id: string; version: number }> }> {
    const created = await admin.post('/v1/products', productBody({ channels: ['web', 'app', 'pos', 'marketplace'], variants: [{ sku }] }));
    expect(created.status).toBe(201);
    const prices: Record<string, { id: string; version: number }> = {};
    for (const [key, body] of Object.entries({
      base: { sku, amount: 1000, currency: 'EUR' },
      web: { sku, amount: 1200, currency: 'EUR', channel: 'web' },
      usd: { sku, amount: 1500, currency: 'USD' },
    })) {
      const res = await waitFor(`price ${key} of ${sku}`, async () => {
        const r = await admin.post('/v1/prices', { priceListId, ...body });
        return r.status === 201 ? r : undefined;
      });
      prices[key] = { id: res.body.id, version: res.body.version };
    }
    // Inventory accepts stock for a SKU once it has the catalog's event.
    for (const [code, onHand] of [['central', 10], ['berlin', 3], ['hamburg', 4]] as const) {
      await waitFor(`stock of ${sku} at ${code}`, async () => (await admin.request('PUT', `/v1/stock/${locations[code]}/${sku}`, { onHand })).status === 200);
    }
    const expected: Record<string, { price?: { amount: number; currency: string }; available: number }> = {
      web: { price: { amount: 1200, currency: 'EUR' }, available: 17 },
      app: { price: { amount: 1000, currency: 'EUR' }, available: 0 },
      'pos-berlin': { price: { amount: 1000, currency: 'EUR' }, available: 3 },
      'pos-hamburg': { price: { amount: 1000, currency: 'EUR' }, available: 4 },
      'marketplace-us': { price: { amount: 1500, currency: 'USD' }, available: 10 },
    };
    for (const [channel, want] of Object.entries(expected)) {
      await waitFor(
        `${channel} to show ${sku} with its price and stock`,
        async () => {
          const v = (await views(channel)).get(created.body.id)?.variants?.[sku];
          return v && JSON.stringify(v.price) === JSON.stringify(want.price) && v.available === want.available;
        },
        LONG,
        250,
      );
    }
    return { id: created.body.id, prices };
  }

  it('builds each channel view: its locales, its resolved price, the stock of its locations', async () => {
    const { id } = await stockedProduct('CH-VIEW-1');
    const web = (await views('web')).get(id);
    expect(Object.keys(web.name).sort()).toEqual(['de', 'en']);
    expect(Object.keys((await views('app')).get(id).name)).toEqual(['en']);
    expect(Object.keys((await views('pos-berlin')).get(id).name)).toEqual(['de']);
    const first = (await feed('web')).entries.find((e) => e.productId === id)!;
    expect(first).toMatchObject({ kind: 'upsert', version: 1, full: true });
    expect(first.id).toMatch(/^fen_/);
  });

  it('sends a price change to the feed of every channel it affects, and only those', async () => {
    const { id, prices } = await stockedProduct('CH-PRICE-1');
    const cursors: Record<string, string> = {};
    for (const channel of ['web', 'app', 'pos-berlin', 'pos-hamburg', 'marketplace-us']) cursors[channel] = (await feed(channel)).nextCursor;

    // The base EUR price: app and both POS resolve it; web has its own web price, the marketplace sells in USD.
    const res = await admin.patch(`/v1/prices/${prices.base.id}`, { amount: 900 }, { 'if-match': `"${prices.base.version}"` });
    expect(res.status).toBe(200);
    for (const channel of ['app', 'pos-berlin', 'pos-hamburg']) {
      const [entry] = await waitFor(`${channel} to get the new price`, async () => {
        const { entries } = await feed(channel, cursors[channel]);
        return entries.length ? entries : undefined;
      }, LONG);
      expect(entry).toMatchObject({ productId: id, kind: 'upsert', aspects: ['price'], full: false, changes: { variants: { 'CH-PRICE-1': { price: { amount: 900 } } } } });
    }
    // One event is applied to every channel in one transaction: the others are final now.
    expect((await feed('web', cursors['web'])).entries).toEqual([]);
    expect((await feed('marketplace-us', cursors['marketplace-us'])).entries).toEqual([]);
  });

  it('sends a stock change at a store to that store POS feed and the web feed, not to another store', async () => {
    const sku = 'CH-STOCK-1';
    const { id } = await stockedProduct(sku);
    const cursors: Record<string, string> = {};
    for (const channel of ['web', 'app', 'pos-berlin', 'pos-hamburg', 'marketplace-us']) cursors[channel] = (await feed(channel)).nextCursor;

    expect((await admin.request('PUT', `/v1/stock/${locations['berlin']}/${sku}`, { onHand: 1 })).status).toBe(200);
    const expected = { web: 15, 'pos-berlin': 1 };
    for (const [channel, available] of Object.entries(expected)) {
      const [entry] = await waitFor(`${channel} to get the new stock`, async () => {
        const { entries } = await feed(channel, cursors[channel]);
        return entries.length ? entries : undefined;
      }, LONG);
      expect(entry).toMatchObject({ productId: id, aspects: ['stock'], changes: { variants: { [sku]: { available } } } });
    }
    for (const channel of ['pos-hamburg', 'app', 'marketplace-us']) expect((await feed(channel, cursors[channel])).entries).toEqual([]);
  });

  it('produces no entry for a change a channel does not see, and only the changed fields for one it sees', async () => {
    const { id } = await stockedProduct('CH-QUIET-1');
    const cursor = (await feed('web')).nextCursor;
    const product = (await admin.get(`/v1/products/${id}`)).body;
    // French is not a locale of any channel; the name in English is.
    expect((await admin.patch(`/v1/products/${id}`, { name: { ...product.name, fr: 'Chemise' } }, { 'if-match': `"${product.version}"` })).status).toBe(200);
    expect((await admin.patch(`/v1/products/${id}`, { name: { ...product.name, fr: 'Chemise', en: 'Renamed shirt' } }, { 'if-match': `"${product.version + 1}"` })).status).toBe(200);
    const entries = await waitFor('the renaming to reach the web feed', async () => {
      const found = (await feed('web', cursor)).entries;
      return found.length ? found : undefined;
    }, LONG);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ productId: id, aspects: ['product'], changes: { name: { en: 'Renamed shirt' } } });
  });

  it('shows an archived product as a removal in every channel that sold it', async () => {
    const { id } = await stockedProduct('CH-ARCHIVE-1');
    expect((await admin.post(`/v1/products/${id}/archive`)).status).toBe(200);
    for (const channel of ['web', 'app', 'pos-berlin', 'pos-hamburg', 'marketplace-us']) {
      const removal = await waitFor(`${channel} to remove the product`, async () => (await feed(channel)).entries.find((e) => e.productId === id && e.kind === 'remove'), LONG);
      expect(removal).toMatchObject({ changes: null, aspects: [] });
      expect((await views(channel)).has(id)).toBe(false);
    }
  });

  it('replays the same entries from an earlier cursor, and refuses cursors of another channel', async () => {
    const all = (await feed('web')).entries;
    expect(all.length).toBeGreaterThan(3);
    const from = all[1].cursor;
    const first = await feed('web', from);
    const again = await feed('web', from);
    expect(again.entries).toEqual(first.entries);
    expect(first.entries).toEqual(all.slice(2, 2 + first.entries.length));
    expect(all.map((e) => e.cursor)).toEqual([...new Set(all.map((e) => e.cursor))]);
    const page = await admin.get(`/v1/channels/web/feed?limit=2&after=${from}`);
    expect(page.body.entries).toEqual(all.slice(2, 4));
    expect(page.body.nextCursor).toBe(all[3].cursor);
    const foreign = await admin.get(`/v1/channels/app/feed?after=${from}`);
    expect(foreign.status).toBe(400);
    expect(foreign.body.details).toEqual([{ field: 'after', problem: expect.stringMatching(/another channel/) }]);
    expect((await admin.get('/v1/channels/web/feed?after=not-a-cursor')).status).toBe(400);
  });

  it('starts a new channel with a full snapshot of what it sells', async () => {
    const { id } = await stockedProduct('CH-SNAP-1');
    expect((await admin.post('/v1/channels', { code: 'web-late', name: 'Late web', kind: 'web', locales: ['en'], assortment: { catalogChannel: 'web' }, priceScope: { currency: 'EUR', channel: 'web' } })).status).toBe(201);
    const view = await waitFor('the snapshot to hold the product', async () => (await views('web-late')).get(id), LONG);
    expect(view.variants['CH-SNAP-1']).toMatchObject({ price: { amount: 1200, currency: 'EUR' }, available: 0 });
    const { entries } = await feed('web-late');
    expect(entries.every((e) => e.kind === 'upsert' && e.full)).toBe(true);
    await waitFor('the snapshot to be ready', async () => (await admin.get('/v1/channels/web-late')).body.snapshot.status === 'ready', LONG);
  });

  it('lets a channel key read its own channel only', async () => {
    const berlin = admin.as('key-pos-berlin');
    expect((await berlin.get('/v1/channels/pos-berlin/feed')).status).toBe(200);
    expect((await berlin.get('/v1/channels/pos-berlin/sync')).status).toBe(200);
    expect((await berlin.get('/v1/channels/pos-hamburg/feed')).status).toBe(403);
    expect((await berlin.get('/v1/channels/web/stream')).status).toBe(403);
    expect((await berlin.post('/v1/channels/pos-berlin/webhooks', { url: 'https://hooks.example.com/x' })).status).toBe(403);
    expect((await berlin.get('/v1/channels')).status).toBe(403);
    // Reading after a cursor acknowledges it: the channel's own position shows in its sync state.
    const { nextCursor } = await feed('pos-berlin', undefined, berlin);
    await feed('pos-berlin', nextCursor, berlin);
    const sync = (await berlin.get('/v1/channels/pos-berlin/sync')).body;
    expect(sync.reader.lastReadCursor).toBe(nextCursor);
  });

  it('delivers every entry exactly once, in order, signed, to a receiver that fails 3 times and recovers', async () => {
    const receiver = await new Receiver().start();
    receiver.failuresLeft = 3;
    try {
      const created = await admin.post('/v1/channels/web/webhooks', { url: receiver.url });
      expect(created.status).toBe(201);
      expect(created.body.secret).toMatch(/^whsec_/);
      const listed = await admin.get('/v1/channels/web/webhooks');
      expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
      const start = (await feed('web')).nextCursor;

      const { id } = await stockedProduct('CH-HOOK-1');
      for (const onHand of [5, 6, 7]) expect((await admin.request('PUT', `/v1/stock/${locations['central']}/CH-HOOK-1`, { onHand })).status).toBe(200);
      const expected = await waitFor('the web feed to show the last stock change', async () => {
        const { entries } = await feed('web', start);
        const mine = entries.filter((e) => e.productId === id);
        return mine.some((e) => e.changes?.variants?.['CH-HOOK-1']?.available === 14) ? mine : undefined;
      }, LONG);
      const received = await waitFor('every entry to be delivered', async () => {
        const got = receiver.delivered().filter((e) => e.productId === id);
        return got.length >= expected.length ? got : undefined;
      }, LONG);
      expect(received.map((e) => e.id)).toEqual(expected.map((e) => e.id));
      expect(received.map((e) => e.version)).toEqual(expected.map((_, i) => i + 1));
      // Exactly once: each entry was answered 2xx once; the first three requests were the failures.
      const successes = receiver.requests.filter((r) => r.answered < 300).map((r) => r.headers['x-omnibus-entry-id']);
      expect(new Set(successes).size).toBe(successes.length);
      expect(receiver.requests.slice(0, 3).every((r) => r.answered === 500)).toBe(true);
      expect(receiver.requests[3].headers['x-omnibus-attempt']).toBe('4');
      for (const r of receiver.requests) {
        const ts = String(r.headers['x-omnibus-timestamp']);
        const signature = `sha256=${createHmac('sha256', created.body.secret).update(`${ts}.${r.body}`).digest('hex')}`;
        expect(r.headers['x-omnibus-signature']).toBe(signature);
        expect(r.headers['x-omnibus-entry-id']).toBe(JSON.parse(r.body).id);
      }
      const sync = await waitFor('the webhook to be in sync', async () => {
        const s = (await admin.get('/v1/channels/web/sync')).body;
        const hook = s.webhooks.find((w: { id: string }) => w.id === created.body.id);
        return hook?.pending === 0 ? hook : undefined;
      }, LONG);
      expect(sync).toMatchObject({ failures: 3, deadLetters: 0, lag: { entries: 0, seconds: 0 } });
      expect((await admin.request('DELETE', `/v1/channels/web/webhooks/${created.body.id}`)).status).toBe(200);
    } finally {
      await receiver.stop();
    }
  });

  it('moves what a dead receiver never takes to the dead letters, and a redrive delivers it', async () => {
    const receiver = await new Receiver().start();
    receiver.failAlways = true;
    try {
      const created = await admin.post('/v1/channels/pos-hamburg/webhooks', { url: receiver.url, kinds: ['stock'] });
      expect(created.status).toBe(201);
      const hook = `/v1/channels/pos-hamburg/webhooks/${created.body.id}`;
      const { id } = await stockedProduct('CH-DEAD-1');
      expect((await admin.request('PUT', `/v1/stock/${locations['hamburg']}/CH-DEAD-1`, { onHand: 9 })).status).toBe(200);
      const dead = await waitFor('a dead letter', async () => {
        const items = (await admin.get(`${hook}/dead-letters`)).body.items.filter((d: { entry: Entry }) => d.entry.productId === id);
        return items.some((d: { entry: Entry }) => d.entry.changes?.variants?.['CH-DEAD-1']?.available === 9) ? items : undefined;
      }, LONG);
      const last = dead[dead.length - 1];
      expect(last).toMatchObject({ attempts: 5, lastStatus: 500, lastError: 'HTTP 500' });
      expect(last.entry.aspects).toContain('stock');
      const sync = (await admin.get('/v1/channels/pos-hamburg/sync')).body.webhooks.find((w: { id: string }) => w.id === created.body.id);
      expect(sync.deadLetters).toBeGreaterThanOrEqual(1);
      expect(sync.failures).toBeGreaterThanOrEqual(5);

      receiver.failAlways = false;
      const redriven = await admin.post(`${hook}/dead-letters/${last.entryId}/redrive`);
      expect(redriven.status).toBe(200);
      expect(redriven.body).toEqual({ redriven: 1 });
      await waitFor('the redriven entry to arrive', () => receiver.delivered().some((e) => e.id === last.entryId), LONG);
      expect((await admin.get(`${hook}/dead-letters`)).body.items.map((d: { entryId: string }) => d.entryId)).not.toContain(last.entryId);
      expect((await admin.post(`${hook}/dead-letters/${last.entryId}/redrive`)).status).toBe(404);
    } finally {
      await receiver.stop();
    }
  });

  it('gives a webhook created with from=start the whole feed first, filtered by its kinds', async () => {
    const receiver = await new Receiver().start();
    try {
      const created = await admin.post('/v1/channels/web/webhooks', { url: receiver.url, kinds: ['remove'], from: 'start' });
      expect(created.status).toBe(201);
      const removals = (await feed('web')).entries.filter((e) => e.kind === 'remove');
      expect(removals.length).toBeGreaterThan(0);
      const got = await waitFor('every removal so far', async () => {
        const d = receiver.delivered();
        return d.length >= removals.length ? d : undefined;
      }, LONG);
      expect(got.map((e) => e.id).sort()).toEqual(removals.map((e) => e.id).sort());
      expect((await admin.request('DELETE', `/v1/channels/web/webhooks/${created.body.id}`)).status).toBe(200);
      expect((await admin.get(`/v1/channels/web/webhooks/${created.body.id}`)).status).toBe(404);
    } finally {
      await receiver.stop();
    }
  });

  it('streams the feed as Server-Sent Events, resumable with Last-Event-ID', async () => {
    const sku = 'CH-SSE-1';
    const { id } = await stockedProduct(sku);
    const start = (await feed('pos-berlin')).nextCursor;
    const controller = new AbortController();
    const res = await fetch(`${p.gateway.url}/v1/channels/pos-berlin/stream`, { headers: { 'x-api-key': 'key-pos-berlin', 'last-event-id': start }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const events = () =>
      text
        .split('\n\n')
        .filter((block) => block.includes('event: entry'))
        .map((block) => ({ id: /^id: (.*)$/m.exec(block)![1], entry: JSON.parse(/^data: (.*)$/m.exec(block)![1]) as Entry }));
    const read = async (until: () => boolean) => {
      const deadline = Date.now() + LONG;
      while (!until() && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    };
    for (const onHand of [8, 9]) expect((await admin.request('PUT', `/v1/stock/${locations['berlin']}/${sku}`, { onHand })).status).toBe(200);
    await read(() => events().some((e) => e.entry.changes?.variants?.[sku]?.available === 9));
    const seen = events();
    expect(seen.map((e) => e.entry.changes.variants[sku].available)).toEqual([8, 9]);
    expect(seen.every((e) => e.id === e.entry.cursor)).toBe(true);
    expect(seen.map((e) => e.entry)).toEqual((await feed('pos-berlin', start)).entries.slice(0, seen.length));
    await read(() => text.includes(': ping'));
    expect(text).toContain(': ping');
    controller.abort();
    await reader.cancel().catch(() => undefined);

    // Reconnect after the first event: the stream goes on with the second.
    expect(seen[1].entry.productId).toBe(id);
    const resumed = await fetch(`${p.gateway.url}/v1/channels/pos-berlin/stream`, { headers: { 'x-api-key': 'key-pos-berlin', 'last-event-id': seen[0].id } });
    const again = resumed.body!.getReader();
    let more = '';
    while (!/id: .*\nevent: entry/.test(more)) more += new TextDecoder().decode((await again.read()).value);
    const firstId = /id: (.*)\nevent: entry/.exec(more)![1];
    expect(firstId).toBe((await feed('pos-berlin', seen[0].id)).entries[0].cursor);
    expect(firstId).toBe(seen[1].id);

    // A gateway that shuts down ends its streams cleanly (clients reconnect elsewhere with Last-Event-ID).
    const stopped = p.gateway.stop();
    let ended = false;
    while (!ended) ended = (await again.read()).done;
    await stopped;
    expect(p.gateway.logs((l) => l['msg'] === 'shutting down')).toHaveLength(1);
    await p.gateway.start();
  });

  it('reports drift planted in a channel view, and a resync repairs it', async () => {
    const { id } = await stockedProduct('CH-DRIFT-1');
    const clean = (await admin.get('/v1/channels/web/sync?check=true')).body;
    expect(clean.consistency).toMatchObject({ consistent: true, driftCount: 0, sources: { catalog: 'compared', pricing: 'compared', inventory: 'compared' } });
    expect(clean.feed.products).toBeGreaterThan(0);

    const [before] = await p.databases.channels.query<{ view: any }>("select view from channel_views where channel = 'web' and product_id = $1", [id]);
    await p.databases.channels.query(
      `update channel_views set view = jsonb_set(jsonb_set(view, '{name,en}', '"Tampered"'), '{variants,CH-DRIFT-1,available}', '999') where channel = 'web' and product_id = $1`,
      [id],
    );
    const report = (await admin.get('/v1/channels/web/sync?check=true')).body.consistency;
    expect(report.consistent).toBe(false);
    expect(report.drift).toEqual(
      expect.arrayContaining([
        { productId: id, field: 'name.en', source: 'catalog', expected: before.view.name.en, actual: 'Tampered' },
        { productId: id, field: 'variants.CH-DRIFT-1.available', source: 'inventory', expected: 17, actual: 999 },
      ]),
    );
    expect(report.driftCount).toBe(2);

    const cursor = (await feed('web')).nextCursor;
    expect((await admin.post('/v1/channels/web/resync')).status).toBe(202);
    const repair = await waitFor('the repairing entry', async () => (await feed('web', cursor)).entries.find((e) => e.productId === id), LONG);
    expect(repair.changes).toEqual({ name: { en: before.view.name.en }, variants: { 'CH-DRIFT-1': { available: 17 } } });
    await waitFor('the view to be consistent again', async () => (await admin.get('/v1/channels/web/sync?check=true')).body.consistency.consistent, LONG);
  });

  it('rebuilds a view when the channel rules, its locations or the price lists change', async () => {
    const sku = 'CH-RULES-1';
    const { id } = await stockedProduct(sku);
    // Locales: the app shows German too from now on.
    const app = await admin.get('/v1/channels/app');
    expect((await admin.patch('/v1/channels/app', { locales: ['en', 'de'] })).status).toBe(428);
    expect((await admin.patch('/v1/channels/app', { locales: ['en', 'de'] }, { 'if-match': '"999"' })).status).toBe(412);
    const cursor = (await feed('app')).nextCursor;
    const updated = await admin.patch('/v1/channels/app', { locales: ['en', 'de'] }, { 'if-match': app.headers.get('etag')! });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ version: app.body.version + 1, snapshot: { status: 'building', reason: 'rules-changed' } });
    const entry = await waitFor('the app view to gain German names', async () => (await feed('app', cursor)).entries.find((e) => e.productId === id), LONG);
    expect(entry).toMatchObject({ aspects: ['product'], changes: { name: { de: expect.any(String) } } });

    // The Hamburg store stops supplying: the web shows less, the Hamburg POS nothing.
    const hamburg = (await admin.get(`/v1/locations/${locations['hamburg']}`)).body;
    const webCursor = (await feed('web')).nextCursor;
    expect((await admin.patch(`/v1/locations/${locations['hamburg']}`, { active: false }, { 'if-match': `"${hamburg.version}"` })).status).toBe(200);
    await waitFor('the web view to drop the Hamburg stock', async () => (await views('web')).get(id)?.variants[sku].available === 13, LONG);
    await waitFor('the Hamburg POS to show no stock', async () => (await views('pos-hamburg')).get(id)?.variants[sku].available === 0, LONG);
    expect((await feed('web', webCursor)).entries.filter((e) => e.productId === id)).toHaveLength(1);
    const again = (await admin.get(`/v1/locations/${locations['hamburg']}`)).body;
    expect((await admin.patch(`/v1/locations/${locations['hamburg']}`, { active: true }, { 'if-match': `"${again.version}"` })).status).toBe(200);
    await waitFor('the Hamburg stock to be back', async () => (await views('web')).get(id)?.variants[sku].available === 17, LONG);

    // A second list with a higher priority wins over the base list wherever it has a price.
    const sale = (await admin.post('/v1/price-lists', { name: 'Sale', priority: 10, status: 'inactive' })).body;
    expect((await admin.post('/v1/prices', { priceListId: sale.id, sku, amount: 700, currency: 'EUR' })).status).toBe(201);
    expect((await admin.patch(`/v1/price-lists/${sale.id}`, { status: 'active' }, { 'if-match': `"${sale.version}"` })).status).toBe(200);
    await waitFor('the app to show the sale price', async () => (await views('app')).get(id)?.variants[sku].price?.amount === 700, LONG);
    expect((await views('web')).get(id).variants[sku].price.amount).toBe(1200); // the web price is more specific
  });

  it('applies a price whose validity window opens later, when it opens (no event marks that moment)', async () => {
    const sku = 'CH-WINDOW-1';
    const { id } = await stockedProduct(sku);
    const promo = (await admin.post('/v1/price-lists', { name: 'Promo', priority: 50 })).body;
    const opens = new Date(Date.now() + 3000);
    const closes = new Date(Date.now() + 6000);
    expect((await admin.post('/v1/prices', { priceListId: promo.id, sku, amount: 555, currency: 'EUR', validFrom: opens.toISOString(), validUntil: closes.toISOString() })).status).toBe(201);
    const cursor = (await feed('app')).nextCursor;
    const opened = await waitFor('the promo price to show', async () => (await feed('app', cursor)).entries.find((e) => e.productId === id), LONG);
    expect(opened.changes).toEqual({ variants: { [sku]: { price: { amount: 555 } } } });
    expect(Date.parse(opened.occurredAt)).toBeGreaterThanOrEqual(opens.getTime());
    await waitFor('the base price to be back after the window', async () => (await views('app')).get(id)?.variants[sku].price.amount === 1000, LONG);
  });

  it('stays consistent with every source under a burst of concurrent changes', async () => {
    const products = await Promise.all(['CH-BURST-1', 'CH-BURST-2', 'CH-BURST-3'].map((sku) => stockedProduct(sku)));
    const writes: Promise<unknown>[] = [];
    for (let round = 0; round < 5; round++) {
      products.forEach(({ id }, i) => {
        const sku = `CH-BURST-${i + 1}`;
        writes.push(admin.request('PUT', `/v1/stock/${locations['berlin']}/${sku}`, { onHand: 20 + round }));
        writes.push(admin.request('PUT', `/v1/stock/${locations['central']}/${sku}`, { onHand: 30 + round }));
        writes.push(admin.post(`/v1/price-lists/${priceListId}/prices/bulk`, { prices: [{ sku, amount: 900 + round, currency: 'EUR' }] }));
        writes.push(admin.get(`/v1/products/${id}`).then((r) => admin.patch(`/v1/products/${id}`, { description: { en: `Round ${round}` } }, { 'if-match': r.headers.get('etag')! })));
      });
    }
    await Promise.all(writes);
    for (const channel of ['web', 'app', 'pos-berlin', 'pos-hamburg', 'marketplace-us']) {
      const report = await waitFor(`${channel} to be consistent`, async () => {
        const r = (await admin.get(`/v1/channels/${channel}/sync?check=true`)).body.consistency;
        return r.consistent ? r : undefined;
      }, LONG, 500);
      expect(report.driftCount).toBe(0);
      // Positions have no gaps, and every product's versions go up one by one.
      const { entries } = await feed(channel);
      const seqs = entries.map((e) => Number(Buffer.from(e.cursor, 'base64url').toString().split(':')[1]));
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      for (const { id } of products) {
        const versions = entries.filter((e) => e.productId === id).map((e) => e.version);
        expect(versions).toEqual(versions.map((_, i) => i + 1));
      }
    }
  });

  it('refuses bad input with the field named', async () => {
    const bad = await admin.post('/v1/channels', { code: 'Web Shop', name: '', kind: 'tv', locales: [], priceScope: { currency: 'euro' }, extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['code', 'extra', 'kind', 'locales', 'name', 'priceScope.currency']);
    expect((await admin.post('/v1/channels', { code: 'web', name: 'Again', kind: 'web', locales: ['en'] })).status).toBe(409);
    expect((await admin.get('/v1/channels/nope')).status).toBe(404);
    expect((await admin.get('/v1/channels/web/feed?limit=0')).body.details).toEqual([{ field: 'limit', problem: expect.any(String) }]);
    expect((await admin.post('/v1/channels/web/webhooks', { url: 'ftp://example.com/x' })).body.details[0]).toMatchObject({ field: 'url' });
    expect((await admin.post('/v1/channels/web/webhooks', { url: 'https://hooks.example.com/x', kinds: ['everything'] })).body.details[0]).toMatchObject({ field: 'kinds' });
    expect((await admin.get('/v1/channels/web/webhooks/whk_nope/dead-letters')).status).toBe(404);
  });

  it('refuses webhooks to private, loopback and link-local targets unless configured, also at delivery time', async () => {
    const receiver = await new Receiver().start();
    try {
      // Created while private targets are allowed (as this suite's receivers need)…
      const created = await admin.post('/v1/channels/app/webhooks', { url: receiver.url });
      expect(created.status).toBe(201);
      // …then the service runs with the default: private targets refused.
      await p.services.channels.stop();
      await p.services.channels.start({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' });
      for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://127.0.0.1:8080/hook', 'http://[::1]/hook', 'http://[::ffff:127.0.0.1]/hook', 'http://localhost:9/hook', 'http://10.0.0.7/hook']) {
        const res = await admin.post('/v1/channels/web/webhooks', { url });
        expect({ url, status: res.status }).toEqual({ url, status: 400 });
        expect(res.body.details[0]).toMatchObject({ field: 'url', problem: expect.stringMatching(/refused/) });
      }
      const { id } = await stockedProduct('CH-SSRF-1');
      const hook = `/v1/channels/app/webhooks/${created.body.id}`;
      const dead = await waitFor('the delivery to the now refused target to fail', async () => {
        const sync = (await admin.get('/v1/channels/app/sync')).body.webhooks.find((w: { id: string }) => w.id === created.body.id);
        return sync?.lastError?.startsWith('refused') ? sync : undefined;
      }, LONG);
      expect(dead.lastError).toMatch(/loopback/);
      expect(receiver.delivered().some((e) => e.productId === id)).toBe(false);
      expect((await admin.request('DELETE', hook)).status).toBe(200);
    } finally {
      await receiver.stop();
      await p.services.channels.stop();
      await p.services.channels.start();
    }
  });
});

import { connect } from 'nats';
import { ApiClient, appProcess, waitFor } from '@omnibus/testing';
import { Platform, productBody, startPlatform, streamMessages } from './platform';

const STREAM = 'CATALOG_EVENTS';

describe('catalog events on JetStream', () => {
  let p: Platform;

  beforeAll(async () => {
    p = await startPlatform();
  });
  afterAll(async () => {
    await p?.stop();
  });

  const eventsFor = async (productId: string) => (await streamMessages(p.nats.url, STREAM)).filter((m) => m.event.data.product.id === productId);

  it('publishes created, updated and archived events carrying the new state, once each, in order', async () => {
    const created = await p.admin.post('/v1/products', productBody(), { 'x-correlation-id': 'evt-test-1' });
    const id = created.body.id;
    await p.admin.patch(`/v1/products/${id}`, { channels: ['web', 'pos'] }, { 'if-match': '"1"' });
    await p.admin.post(`/v1/products/${id}/archive`);
    const events = await waitFor('three events', async () => {
      const found = await eventsFor(id);
      return found.length >= 3 ? found : undefined;
    });
    expect(events.map((e) => e.subject)).toEqual(['catalog.product.created', 'catalog.product.updated', 'catalog.product.archived']);
    expect(events.map((e) => e.event.data.product.version)).toEqual([1, 2, 3]);
    expect(events[1].event.data.product.channels).toEqual(['web', 'pos']);
    expect(events[2].event.data.product.status).toBe('archived');
    for (const e of events) {
      expect(e.msgId).toBe(e.event.id);
      expect(e.event).toMatchObject({ type: e.subject, version: 1, source: 'catalog' });
      expect(e.event.id).toMatch(/^evt_/);
      expect(Date.parse(e.event.occurredAt)).not.toBeNaN();
    }
    expect(events[0].event.correlationId).toBe('evt-test-1');
  });

  it('keeps the gateway read cache fresh from events written by another gateway', async () => {
    // A second gateway, as another replica would be: it reads through its own cache.
    const created = await p.admin.post('/v1/products', productBody());
    const id = created.body.id;
    const second = await appProcess('gateway', { NATS_URL: p.nats.url });
    await second.start();
    try {
      const other = new ApiClient(second.url, 'dev-admin');
      expect((await other.get(`/v1/products/${id}`)).body.version).toBe(1); // now cached there
      await p.admin.patch(`/v1/products/${id}`, { name: { en: 'Seen everywhere' } }, { 'if-match': '"1"' });
      const seen = await waitFor('the other gateway to serve version 2', async () => {
        const res = await other.get(`/v1/products/${id}`);
        return res.body.version === 2 ? res.body : undefined;
      }, 5000, 20);
      expect(seen.name).toEqual({ en: 'Seen everywhere' });
    } finally {
      await second.stop();
    }
  });

  it('publishes an event exactly once when the relay stops between publish and marking it published', async () => {
    // 1. The catalog runs without its relay: the write commits, its event waits in the outbox.
    await p.catalog.stop();
    await p.catalog.start({ OUTBOX_RELAY: 'false' });
    const created = await p.admin.post('/v1/products', productBody());
    expect(created.status).toBe(201);
    const id = created.body.id;
    const [row] = await p.catalogDb.query<{ id: string; subject: string; envelope: unknown; published_at: Date | null }>(
      "select id, subject, envelope, published_at from outbox where envelope->'data'->'product'->>'id' = $1",
      [id],
    );
    expect(row.published_at).toBeNull();
    expect(await eventsFor(id)).toHaveLength(0);

    // 2. A relay published it and died before marking the row: done here by hand, as the relay would.
    const nc = await connect({ servers: p.nats.url });
    const ack = await nc.jetstream().publish(row.subject, JSON.stringify(row.envelope), { msgID: row.id });
    expect(ack.duplicate).toBe(false);
    await nc.close();
    await p.catalog.stop('SIGKILL');

    // 3. The catalog restarts with its relay: it publishes the row again; JetStream drops the duplicate.
    await p.catalog.start();
    await waitFor('the outbox row to be marked published', async () => {
      const [after] = await p.catalogDb.query<{ published_at: Date | null }>('select published_at from outbox where id = $1', [row.id]);
      return after.published_at !== null;
    });
    const events = await eventsFor(id);
    expect(events).toHaveLength(1);
    expect(events[0].event.id).toBe(row.id);
  });
});

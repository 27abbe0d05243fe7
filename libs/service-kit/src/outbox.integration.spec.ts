import { TestDatabase, TestNats, createTestDatabase, startNatsServer } from '@omnibus/testing';
import { sql } from 'drizzle-orm';
import { NatsConnection, connect } from 'nats';
import pino from 'pino';
import { DatabaseHandle, migrate, openDatabase, queryRows } from './database';
import { ensureStream } from './jetstream';
import { Outbox, OutboxRelay } from './outbox';

const logger = pino({ level: 'silent' });
const STREAM = { name: 'TEST_EVENTS', subjects: ['test.thing.created', 'test.thing.changed'] };

describe('outbox and relay (real PostgreSQL and NATS)', () => {
  let nats: TestNats;
  let testDb: TestDatabase;
  let handle: DatabaseHandle;
  let nc: NatsConnection;
  const outbox = new Outbox('test');

  beforeAll(async () => {
    nats = await startNatsServer();
    testDb = await createTestDatabase('omnibus_kit_outbox');
    handle = await openDatabase({ url: testDb.url, dataDir: '', service: 'test', poolSize: 4 });
    await migrate(handle.db, [{ name: '0001_things', sql: 'create table things (id text primary key);' }]);
    nc = await connect({ servers: nats.url });
    await ensureStream(await nc.jetstreamManager(), STREAM);
  });
  afterAll(async () => {
    await nc?.close();
    await handle?.close();
    await testDb?.drop();
    await nats?.stop();
  });

  const streamSubjects = async () => {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(STREAM.name);
    const out: { subject: string; id: string }[] = [];
    for (let seq = info.state.first_seq; info.state.messages > 0 && seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(STREAM.name, { seq });
      out.push({ subject: m.subject, id: m.json<{ id: string }>().id });
    }
    return out;
  };

  it('applies migrations once, even when two processes start together', async () => {
    const again = await Promise.all([migrate(handle.db, [{ name: '0001_things', sql: 'create table things (id text primary key);' }]), migrate(handle.db, [])]);
    expect(again).toEqual([[], []]);
    const names = await queryRows<{ name: string }>(handle.db, sql`select name from schema_migrations order by name`);
    expect(names.map((n) => n.name)).toEqual(['0000_kit_outbox_inbox', '0001_things']);
  });

  it('publishes committed events in order, once, and marks them published', async () => {
    const events = await handle.db.transaction(async (tx) => {
      await tx.execute(sql`insert into things (id) values ('a')`);
      return [await outbox.add(tx, 'test.thing.created', { id: 'a' }), await outbox.add(tx, 'test.thing.changed', { id: 'a', n: 2 })];
    });
    const relay = new OutboxRelay(handle.db, nc, logger);
    expect(await relay.publishPending()).toBe(2);
    expect(await relay.publishPending()).toBe(0);
    const onStream = await streamSubjects();
    expect(onStream.slice(-2)).toEqual(events.map((e) => ({ subject: e.type, id: e.id })));
    const pending = await queryRows(handle.db, sql`select id from outbox where published_at is null`);
    expect(pending).toEqual([]);
  });

  it('adds many events in one call, published in the order given', async () => {
    const before = (await streamSubjects()).length;
    const events = Array.from({ length: 501 }, (_, i) => ({ type: i % 2 ? 'test.thing.changed' : 'test.thing.created', data: { id: `many-${i}` } }));
    const envelopes = await handle.db.transaction((tx) => outbox.addMany(tx, events));
    expect(envelopes).toHaveLength(501);
    expect(envelopes[1]).toMatchObject({ type: 'test.thing.changed', source: 'test', data: { id: 'many-1' } });
    const relay = new OutboxRelay(handle.db, nc, logger, { batchSize: 1000 });
    expect(await relay.publishPending()).toBe(501);
    const published = (await streamSubjects()).slice(before);
    expect(published.map((m) => m.id)).toEqual(envelopes.map((e) => e.id));
    expect(published[1].subject).toBe('test.thing.changed');
  });

  it('publishes an envelope a hot path inserted with its own prepared statement', async () => {
    const before = (await streamSubjects()).length;
    const envelope = outbox.envelope('test.thing.created', { id: 'own-statement' });
    const insert = 'insert into outbox (id, subject, envelope) values ($1, $2, $3::jsonb) returning id';
    expect(await handle.prepared('test_outbox_insert', insert, [envelope.id, envelope.type, JSON.stringify(envelope)])).toEqual([{ id: envelope.id }]);
    const again = outbox.envelope('test.thing.changed', { id: 'own-statement' });
    await handle.prepared('test_outbox_insert', insert, [again.id, again.type, JSON.stringify(again)]); // prepared once, run twice
    expect(await new OutboxRelay(handle.db, nc, logger).publishPending()).toBe(2);
    expect((await streamSubjects()).slice(before)).toEqual([
      { subject: 'test.thing.created', id: envelope.id },
      { subject: 'test.thing.changed', id: again.id },
    ]);
  });

  it('writes no event when the business transaction rolls back', async () => {
    const before = (await streamSubjects()).length;
    await expect(
      handle.db.transaction(async (tx) => {
        await outbox.add(tx, 'test.thing.created', { id: 'b' });
        await tx.execute(sql`insert into things (id) values ('a')`); // duplicate key: the whole transaction fails
      }),
    ).rejects.toThrow();
    const relay = new OutboxRelay(handle.db, nc, logger);
    expect(await relay.publishPending()).toBe(0);
    expect((await streamSubjects()).length).toBe(before);
  });

  it('does not publish twice when a relay crashed after publishing but before marking', async () => {
    const event = await handle.db.transaction((tx) => outbox.add(tx, 'test.thing.created', { id: 'c' }));
    // What the crashed relay already did:
    await nc.jetstream().publish(event.type, JSON.stringify(event), { msgID: event.id });
    const relay = new OutboxRelay(handle.db, nc, logger);
    expect(await relay.publishPending()).toBe(1);
    expect((await streamSubjects()).filter((m) => m.id === event.id)).toHaveLength(1);
  });

  it('keeps events pending with the error while NATS is unreachable, then publishes them', async () => {
    const down = await startNatsServer();
    const doomed = await connect({ servers: down.url, maxReconnectAttempts: 0 });
    await ensureStream(await doomed.jetstreamManager(), STREAM);
    await down.stop();
    await doomed.closed();
    const event = await handle.db.transaction((tx) => outbox.add(tx, 'test.thing.created', { id: 'd' }));
    const broken = new OutboxRelay(handle.db, doomed, logger);
    await expect(broken.publishPending()).rejects.toThrow(/publishing test.thing.created/);
    const [row] = await queryRows<{ attempts: number; last_error: string; published_at: Date | null }>(
      handle.db,
      sql`select attempts, last_error, published_at from outbox where id = ${event.id}`,
    );
    expect(row.published_at).toBeNull();
    expect(row.attempts).toBe(1);
    expect(row.last_error).toBeTruthy();

    const healthy = new OutboxRelay(handle.db, nc, logger);
    expect(await healthy.publishPending()).toBe(1);
    expect((await streamSubjects()).filter((m) => m.id === event.id)).toHaveLength(1);
  });

  it('keeps an event pending with the reason when no stream takes its subject, and publishes the ones before it', async () => {
    const before = (await streamSubjects()).length;
    const [ok, orphan, after] = await handle.db.transaction((tx) =>
      outbox.addMany(tx, [
        { type: 'test.thing.created', data: { id: 'f' } },
        { type: 'test.nostream.created', data: { id: 'f' } },
        { type: 'test.thing.changed', data: { id: 'f' } },
      ]),
    );
    const relay = new OutboxRelay(handle.db, nc, logger);
    await expect(relay.publishPending()).rejects.toThrow(/publishing test.nostream.created .* no stream takes this subject/);
    const rows = await queryRows<{ id: string; published_at: Date | null; last_error: string | null }>(
      handle.db,
      sql`select id, published_at, last_error from outbox where id in (${ok.id}, ${orphan.id}, ${after.id}) order by seq`,
    );
    expect(rows.map((r) => [r.id, r.published_at !== null])).toEqual([
      [ok.id, true],
      [orphan.id, false],
      [after.id, false], // not marked: it is published again after the failed one (and deduplicated)
    ]);
    expect(rows[1].last_error).toMatch(/no stream takes this subject/);
    // Out of the way of the later tests: an operator would add the subject to a stream or drop the event.
    await handle.db.execute(sql`update outbox set published_at = now() where id = ${orphan.id}`);
    expect(await relay.publishPending()).toBe(1);
    expect((await streamSubjects()).slice(before).map((m) => m.id)).toEqual([ok.id, after.id]);
  });

  it('runs in the background and publishes soon after a commit is announced', async () => {
    const relay = new OutboxRelay(handle.db, nc, logger, { pollMs: 60_000 });
    outbox.onCommitted(() => relay.notify());
    relay.start();
    try {
      const event = await handle.db.transaction((tx) => outbox.add(tx, 'test.thing.changed', { id: 'e' }));
      outbox.committed();
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && !(await streamSubjects()).some((m) => m.id === event.id)) await new Promise((r) => setTimeout(r, 20));
      expect((await streamSubjects()).some((m) => m.id === event.id)).toBe(true);
    } finally {
      await relay.stop();
    }
  });

  it('publishes the events committed within its batch window together, in one turn', async () => {
    const relay = new OutboxRelay(handle.db, nc, logger, { pollMs: 60_000, batchWindowMs: 2000 });
    outbox.onCommitted(() => relay.notify());
    const turns: number[] = [];
    const publish = relay.publishPending.bind(relay);
    jest.spyOn(relay, 'publishPending').mockImplementation(async () => {
      const published = await publish();
      if (published) turns.push(published);
      return published;
    });
    const commit = async (id: string) => {
      const event = await handle.db.transaction((tx) => outbox.add(tx, 'test.thing.changed', { id }));
      outbox.committed();
      return event;
    };
    const published = async (ids: string[]) => {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const seen = new Set((await streamSubjects()).map((m) => m.id));
        if (ids.every((id) => seen.has(id))) return true;
        await new Promise((r) => setTimeout(r, 20));
      }
      return false;
    };
    relay.start();
    try {
      // The first event after a quiet spell goes at once; the next five wait for the window and go together.
      const first = await commit('w0');
      expect(await published([first.id])).toBe(true);
      const next = [];
      for (let i = 1; i <= 5; i++) next.push(await commit(`w${i}`));
      expect(await published(next.map((e) => e.id))).toBe(true);
      expect(turns).toEqual([1, 5]);
      // Stopping inside the window (it just published) does not wait the window out.
      const stopping = Date.now();
      await relay.stop();
      expect(Date.now() - stopping).toBeLessThan(1500);
    } finally {
      await relay.stop();
    }
  });

  it('publishes on a connection of its own while every connection of the pool is busy', async () => {
    const busy = await openDatabase({ url: testDb.url, dataDir: '', service: 'test', poolSize: 1 });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The pool's only connection is taken, as by requests under heavy load.
    const holding = busy.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      await held;
    });
    try {
      const event = await handle.db.transaction((tx) => outbox.add(tx, 'test.thing.changed', { id: 'own-connection' }));
      const relay = new OutboxRelay(busy.own(), nc, logger);
      let timer: NodeJS.Timeout | undefined;
      const publishedWhileBusy = await Promise.race([relay.publishPending().then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 10_000)))]);
      clearTimeout(timer);
      expect(publishedWhileBusy).toBe(true);
      expect((await streamSubjects()).some((m) => m.id === event.id)).toBe(true);
      await relay.stop();
    } finally {
      release();
      await holding;
      await busy.close();
    }
  });
});

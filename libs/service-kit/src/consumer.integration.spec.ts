import { EventEnvelope, newId } from '@omnibus/contracts';
import { TestDatabase, TestNats, createTestDatabase, startNatsServer, waitFor } from '@omnibus/testing';
import { sql } from 'drizzle-orm';
import { NatsConnection, connect } from 'nats';
import pino from 'pino';
import { EventConsumers } from './consumer';
import { DatabaseHandle, migrate, openDatabase, queryRows } from './database';
import { ensureStream } from './jetstream';

const logger = pino({ level: 'silent' });
const STREAM = { name: 'SHOP_EVENTS', subjects: ['shop.order.placed'] };

function envelope(data: unknown): EventEnvelope {
  return { id: newId('evt'), type: 'shop.order.placed', version: 1, occurredAt: new Date().toISOString(), source: 'shop', correlationId: newId('cor'), data };
}

describe('durable consumers with an inbox (real PostgreSQL and NATS)', () => {
  let nats: TestNats;
  let testDb: TestDatabase;
  let handle: DatabaseHandle;
  let nc: NatsConnection;
  let consumers: EventConsumers;

  beforeAll(async () => {
    nats = await startNatsServer();
    testDb = await createTestDatabase('omnibus_kit_consumer');
    handle = await openDatabase({ url: testDb.url, dataDir: '', service: 'test', poolSize: 4 });
    await migrate(handle.db, [{ name: '0001_points', sql: 'create table points (customer text primary key, total integer not null);' }]);
    nc = await connect({ servers: nats.url });
    await ensureStream(await nc.jetstreamManager(), STREAM);
    consumers = new EventConsumers(handle.db, nc.jetstream(), await nc.jetstreamManager(), logger);
  });
  afterAll(async () => {
    await consumers?.stop();
    await nc?.close();
    await handle?.close();
    await testDb?.drop();
    await nats?.stop();
  });

  const publish = (event: EventEnvelope) => nc.jetstream().publish(event.type, JSON.stringify(event)); // no msgID: a redelivery as JetStream would do it
  const total = async (customer: string) =>
    (await queryRows<{ total: number }>(handle.db, sql`select total from points where customer = ${customer}`))[0]?.total ?? 0;

  it('applies each event once even when it is delivered twice, retries failures, and dead-letters poison', async () => {
    let failuresLeft = 2;
    await consumers.start({
      stream: STREAM.name,
      durable: 'loyalty',
      filterSubject: 'shop.order.placed',
      maxDeliver: 3,
      ackWaitMs: 2000,
      handle: async (event, tx) => {
        const data = event.data as { customer: string; points: number; poison?: boolean; flaky?: boolean };
        if (data.poison) throw new Error('cannot read this order');
        await tx.execute(sql`insert into points (customer, total) values (${data.customer}, ${data.points}) on conflict (customer) do update set total = points.total + excluded.total`);
        if (data.flaky && failuresLeft-- > 0) throw new Error('transient failure after the write: must roll back');
      },
    });

    const twice = envelope({ customer: 'c1', points: 10 });
    await publish(twice);
    await publish(twice);
    await publish(envelope({ customer: 'c1', points: 5 }));
    await waitFor('c1 to have 15 points', async () => (await total('c1')) === 15);

    await publish(envelope({ customer: 'c2', points: 7, flaky: true }));
    await waitFor('c2 to have 7 points after retries', async () => (await total('c2')) === 7, 20_000);

    const poison = envelope({ customer: 'c3', points: 1, poison: true });
    await publish(poison);
    const [dead] = await waitFor(
      'the poison event in dead letters',
      async () => {
        const rows = await queryRows<{ event_id: string; error: string; deliveries: number }>(handle.db, sql`select event_id, error, deliveries from dead_letters`);
        return rows.length ? rows : undefined;
      },
      30_000,
    );
    expect(dead).toMatchObject({ event_id: poison.id, error: 'cannot read this order', deliveries: 3 });

    // Nothing more arrives: c1 stays at 15 (the duplicate was not applied), the inbox knows each id once.
    await new Promise((r) => setTimeout(r, 300));
    expect(await total('c1')).toBe(15);
    expect(await total('c3')).toBe(0);
    const inbox = await queryRows<{ event_id: string }>(handle.db, sql`select event_id from inbox where consumer = 'loyalty'`);
    expect(inbox.filter((r) => r.event_id === twice.id)).toHaveLength(1);
    expect(inbox.map((r) => r.event_id)).not.toContain(poison.id);
  });

  it('runs the work a handler returns once its transaction committed', async () => {
    await handle.db.execute(sql`create table if not exists notes (id text primary key)`);
    const target = envelope({ customer: 'c9', points: 1 });
    let report: (visible: boolean) => void = () => undefined;
    const seenFromOutside = new Promise<boolean>((resolve) => (report = resolve));
    await consumers.start({
      stream: STREAM.name,
      durable: 'notifier',
      filterSubject: 'shop.order.placed',
      handle: async (event, tx) => {
        await tx.execute(sql`insert into notes (id) values (${event.id}) on conflict do nothing`);
        if (event.id !== target.id) return;
        // Another connection of the pool sees the row only if the transaction committed before this runs.
        return () => void queryRows(handle.db, sql`select id from notes where id = ${event.id}`).then((rows) => report(rows.length === 1));
      },
    });
    await publish(target);
    expect(await seenFromOutside).toBe(true);
  });

  it('applies the events that wait in batches, each once, and falls back to one by one when a batch fails', async () => {
    await handle.db.execute(sql`create table if not exists batch_points (customer text primary key, total integer not null)`);
    const batchSizes: number[] = [];
    const apply = (tx: Parameters<Parameters<typeof handle.db.transaction>[0]>[0], event: EventEnvelope) => {
      const data = event.data as { customer: string; points: number; poison?: boolean };
      if (data.poison) throw new Error('cannot read this order');
      return tx.execute(sql`insert into batch_points (customer, total) values (${data.customer}, ${data.points}) on conflict (customer) do update set total = batch_points.total + excluded.total`);
    };
    const batchTotal = async (customer: string) => (await queryRows<{ total: number }>(handle.db, sql`select total from batch_points where customer = ${customer}`))[0]?.total ?? 0;
    // Waiting before the consumer starts: 60 events, one of them twice.
    const twice = envelope({ customer: 'b1', points: 100 });
    await publish(twice);
    for (let i = 0; i < 58; i++) await publish(envelope({ customer: `b${i % 3}`, points: 1 }));
    await publish(twice);
    await consumers.start({
      stream: STREAM.name,
      durable: 'batched',
      filterSubject: 'shop.order.placed',
      maxDeliver: 2,
      ackWaitMs: 2000,
      maxBatch: 25,
      handle: async (event, tx) => void (await apply(tx, event)),
      handleBatch: async (events, tx) => {
        batchSizes.push(events.length);
        for (const event of events) await apply(tx, event);
      },
    });
    // The events of the earlier tests are on the stream too (c1…c9, and a poison one): all go through.
    await waitFor('the 60 waiting events applied', async () => (await batchTotal('b0')) === 20 && (await batchTotal('b1')) === 119 && (await batchTotal('b2')) === 19, 20_000);
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(25);

    // A batch with a poison event: the others are applied one by one, the poison is dead-lettered.
    const poison = envelope({ customer: 'b9', points: 1, poison: true });
    const good = [envelope({ customer: 'b8', points: 2 }), envelope({ customer: 'b8', points: 3 })];
    await Promise.all([good[0], poison, good[1]].map(publish));
    await waitFor('the good events of the failed batch applied', async () => (await batchTotal('b8')) === 5, 20_000);
    await waitFor(
      'the poison event dead-lettered by this consumer',
      async () => (await queryRows(handle.db, sql`select 1 from dead_letters where consumer = 'batched' and event_id = ${poison.id}`)).length === 1,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(await batchTotal('b1')).toBe(119); // the event sent twice counted once
    expect(await batchTotal('b8')).toBe(5);
    expect(await batchTotal('b9')).toBe(0);
  });
});

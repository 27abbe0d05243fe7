import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { INestMicroservice } from '@nestjs/common';
import { MessagePattern, Payload, Transport } from '@nestjs/microservices';
import { newId } from '@omnibus/contracts';
import { TestDatabase, TestNats, createTestDatabase, startNatsServer, waitFor } from '@omnibus/testing';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { node } from '@opentelemetry/sdk-node';
import { sql } from 'drizzle-orm';
import { NatsConnection, connect } from 'nats';
import pino from 'pino';
import { EventConsumers } from './consumer';
import { DatabaseHandle, migrate, openDatabase } from './database';
import { ensureStream } from './jetstream';
import { Outbox, OutboxRelay } from './outbox';
import { NatsHandlers, RpcError } from './rpc';
import { RemoteError, ServiceClient } from './rpc-client';
import { LOGGER } from './tokens';

const logger = pino({ level: 'silent' });
const exporter = new InMemorySpanExporter();
const provider = new node.NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
// Registers the tracer provider, the AsyncLocalStorage context manager and the W3C propagator globally.
provider.register();

/** Trace ids seen inside the handlers, to prove the handler ran inside the caller's trace. */
const seenInHandler: string[] = [];

@Controller()
@NatsHandlers()
class WidgetsController {
  @MessagePattern('widgets.widget.get')
  get(@Payload() payload: { id: string }) {
    seenInHandler.push(trace.getActiveSpan()?.spanContext().traceId ?? 'none');
    if (payload.id === 'missing') throw new RpcError('NOT_FOUND', 'no such widget');
    return { id: payload.id };
  }
}

@Module({ controllers: [WidgetsController], providers: [{ provide: LOGGER, useValue: logger }] })
class WidgetsModule {}

const spanNamed = (name: string, spans: ReadableSpan[] = exporter.getFinishedSpans()) => {
  const found = spans.find((s) => s.name === name);
  if (!found) throw new Error(`no span "${name}" among: ${spans.map((s) => s.name).join(', ')}`);
  return found;
};
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('trace context across NATS requests and JetStream events (in-memory exporter, real NATS and PostgreSQL)', () => {
  let nats: TestNats;
  let service: INestMicroservice;
  let client: ServiceClient;

  beforeAll(async () => {
    nats = await startNatsServer();
    service = await NestFactory.createMicroservice(WidgetsModule, { transport: Transport.NATS, options: { servers: [nats.url], queue: 'widgets' }, logger: false });
    await service.listen();
    client = new ServiceClient([nats.url], 'test-client', 3000);
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
    await service?.close();
    await nats?.stop();
    await provider.shutdown();
  });
  beforeEach(() => exporter.reset());

  it('continues the caller\'s trace in the handler: root → client span → server span', async () => {
    const root = trace.getTracer('test').startSpan('GET /widgets/:id');
    const reply = await context.with(trace.setSpan(context.active(), root), () => client.request<{ id: string }>('widgets.widget.get', { id: 'w1' }));
    root.end();
    expect(reply).toEqual({ id: 'w1' });

    await waitFor('the server span to end', () => exporter.getFinishedSpans().some((s) => s.name === 'process widgets.widget.get'));
    const clientSpan = spanNamed('send widgets.widget.get');
    const serverSpan = spanNamed('process widgets.widget.get');
    const traceId = root.spanContext().traceId;
    expect(clientSpan.spanContext().traceId).toBe(traceId);
    expect(serverSpan.spanContext().traceId).toBe(traceId);
    expect(parentOf(clientSpan)).toBe(root.spanContext().spanId);
    expect(parentOf(serverSpan)).toBe(clientSpan.spanContext().spanId);
    expect(clientSpan.kind).toBe(SpanKind.CLIENT);
    expect(serverSpan.kind).toBe(SpanKind.SERVER);
    expect(serverSpan.attributes['messaging.destination.name']).toBe('widgets.widget.get');
    expect(seenInHandler.at(-1)).toBe(traceId);
  });

  it('marks both ends of a failed request as errors with the contract\'s code', async () => {
    const error = await client.request('widgets.widget.get', { id: 'missing' }).catch((e) => e);
    expect(error).toBeInstanceOf(RemoteError);
    await waitFor('the server span to end', () => exporter.getFinishedSpans().some((s) => s.name === 'process widgets.widget.get'));
    for (const name of ['send widgets.widget.get', 'process widgets.widget.get']) {
      const span = spanNamed(name);
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe('NOT_FOUND');
    }
    // No caller span: the client span starts a trace and the server continues it.
    expect(parentOf(spanNamed('process widgets.widget.get'))).toBe(spanNamed('send widgets.widget.get').spanContext().spanId);
  });

  describe('events', () => {
    const STREAM = { name: 'WIDGETS_EVENTS', subjects: ['widgets.widget.created'] };
    let testDb: TestDatabase;
    let handle: DatabaseHandle;
    let nc: NatsConnection;
    let relay: OutboxRelay;
    let consumers: EventConsumers;

    beforeAll(async () => {
      testDb = await createTestDatabase('omnibus_kit_telemetry');
      handle = await openDatabase({ url: testDb.url, dataDir: '', service: 'test', poolSize: 4 });
      await migrate(handle.db, [{ name: '0001_seen', sql: 'create table seen (id text primary key, trace_id text not null);' }]);
      nc = await connect({ servers: nats.url });
      await ensureStream(await nc.jetstreamManager(), STREAM);
      relay = new OutboxRelay(handle.db, nc, logger, { pollMs: 50 });
      consumers = new EventConsumers(handle.db, nc.jetstream(), await nc.jetstreamManager(), logger);
    });
    afterAll(async () => {
      await consumers?.stop();
      await relay?.stop();
      await nc?.close();
      await handle?.close();
      await testDb?.drop();
    });

    it('carries the trace from the change, through the outbox and JetStream, into the consumer\'s handler', async () => {
      await consumers.start({
        stream: STREAM.name,
        durable: 'widget-seer',
        filterSubject: 'widgets.widget.created',
        handle: async (event, tx) => {
          await tx.execute(sql`insert into seen (id, trace_id) values (${event.id}, ${trace.getActiveSpan()?.spanContext().traceId ?? 'none'})`);
        },
      });
      relay.start();
      const outbox = new Outbox('widgets');
      const root = trace.getTracer('test').startSpan('POST /widgets');
      const envelope = await context.with(trace.setSpan(context.active(), root), () =>
        handle.db.transaction((tx) => outbox.add(tx, 'widgets.widget.created', { id: newId('wdg') })),
      );
      root.end();
      outbox.committed();

      expect(envelope.traceparent).toMatch(new RegExp(`^00-${root.spanContext().traceId}-[0-9a-f]{16}-01$`));
      const consumerSpan = await waitFor('the consumer span', () => exporter.getFinishedSpans().find((s) => s.name === 'process widgets.widget.created'));
      const createSpan = spanNamed('create widgets.widget.created');
      expect(createSpan.kind).toBe(SpanKind.PRODUCER);
      expect(parentOf(createSpan)).toBe(root.spanContext().spanId);
      expect(consumerSpan.kind).toBe(SpanKind.CONSUMER);
      expect(consumerSpan.spanContext().traceId).toBe(root.spanContext().traceId);
      expect(parentOf(consumerSpan)).toBe(createSpan.spanContext().spanId);
      expect(consumerSpan.attributes['omnibus.delivery.outcome']).toBe('applied');
      const [row] = await testDb.query<{ trace_id: string }>('select trace_id from seen where id = $1', [envelope.id]);
      expect(row.trace_id).toBe(root.spanContext().traceId);
    });
  });
});

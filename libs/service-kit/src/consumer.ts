import { EventEnvelope } from '@omnibus/contracts';
import {
  BatchObservableCallback,
  ObservableGauge,
  SpanKind,
  SpanStatusCode,
  context as otelContext,
  trace,
} from '@opentelemetry/api';
import { sql } from 'drizzle-orm';
import {
  AckPolicy,
  ConsumerMessages,
  DeliverPolicy,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
  nanos,
} from 'nats';
import type { Logger } from 'pino';
import { runInContext } from './context';
import { Database, Transaction, queryRows } from './database';
import { kitMetrics, kitTracer, traceContextFromHeaders } from './telemetry';

export interface EventHandlerSpec {
  /** The stream the events are on, e.g. `CATALOG_EVENTS`. */
  stream: string;
  /** Durable consumer name, unique per consuming service and purpose; also the inbox key. */
  durable: string;
  /** One subject or a wildcard within the stream, e.g. `catalog.product.*`. */
  filterSubject: string;
  /** Deliveries before an event is moved to dead letters. */
  maxDeliver?: number;
  /** How long a delivery may take before JetStream redelivers it. */
  ackWaitMs?: number;
  /**
   * Applies the event inside `tx`; the inbox row is written in the same transaction. It may return a
   * function, called once the transaction committed (e.g. to tell live readers that new rows are visible).
   */
  handle(event: EventEnvelope, tx: Transaction): Promise<void | AfterCommit>;
  /**
   * For a consumer that would fall behind at one transaction per event: applies the events that are
   * waiting (in stream order, up to `maxBatch`) in one transaction, with all their inbox rows. When a
   * batch fails, its events are delivered one by one through `handle` (retries and dead letters as usual).
   */
  handleBatch?(
    events: EventEnvelope[],
    tx: Transaction,
  ): Promise<void | AfterCommit>;
  /** Most events in one batch; default 100. */
  maxBatch?: number;
}

/** Work to do only after a handler's transaction committed; its errors are logged, never retried. */
export type AfterCommit = () => void;

/** Outcome of one delivery, for logs and tests. */
export type DeliveryOutcome =
  | 'applied'
  | 'duplicate'
  | 'retry'
  | 'dead-lettered';

/**
 * Durable JetStream consumers with exactly-once effects: each event id is recorded in the inbox in the
 * same transaction as the handler's effect, and acked only after commit. A failing event is retried with
 * backoff, and after `maxDeliver` deliveries recorded in `dead_letters` and terminated.
 */
export class EventConsumers {
  private readonly running: {
    messages: ConsumerMessages;
    loop: Promise<void>;
  }[] = [];
  private readonly observed: { stream: string; durable: string }[] = [];
  private lagGauges?: {
    pending: ObservableGauge;
    ackPending: ObservableGauge;
    callback: BatchObservableCallback;
  };

  constructor(
    private readonly db: Database,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly logger: Logger,
  ) {}

  async start(spec: EventHandlerSpec): Promise<void> {
    const maxDeliver = spec.maxDeliver ?? 5;
    await this.jsm.consumers.add(spec.stream, {
      durable_name: spec.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: spec.filterSubject,
      ack_wait: nanos(spec.ackWaitMs ?? 30_000),
      // One more than ours, so the last delivery reaches us and is dead-lettered rather than dropped.
      max_deliver: maxDeliver + 1,
    });
    const consumer = await this.js.consumers.get(spec.stream, spec.durable);
    const maxBatch = spec.maxBatch ?? 100;
    const messages = await consumer.consume({
      max_messages: spec.handleBatch ? 2 * maxBatch : 64,
    });
    const loop = spec.handleBatch
      ? this.batchLoop(spec, messages, maxBatch, maxDeliver)
      : (async () => {
          for await (const msg of messages)
            await this.deliverOne(spec, msg, maxDeliver);
        })();
    this.running.push({ messages, loop });
    this.observeLag(spec);
  }

  private deliverOne(
    spec: EventHandlerSpec,
    msg: JsMsg,
    maxDeliver: number,
  ): Promise<unknown> {
    return this.traced(spec, msg, () =>
      this.deliver(spec, msg, maxDeliver),
    ).catch((err: Error) => {
      // The database itself failed (even the dead-letter write): let JetStream redeliver later.
      this.logger.error(
        { err: err.message, consumer: spec.durable },
        'delivery failed',
      );
      msg.nak(5000);
    });
  }

  /** Receives messages as they come and applies whatever has arrived meanwhile as one batch. */
  private async batchLoop(
    spec: EventHandlerSpec,
    messages: ConsumerMessages,
    maxBatch: number,
    maxDeliver: number,
  ): Promise<void> {
    const waiting: JsMsg[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    const receiving = (async () => {
      for await (const msg of messages) {
        waiting.push(msg);
        wake?.();
      }
    })().finally(() => {
      ended = true;
      wake?.();
    });
    // Messages not applied when the consumer stops are not acked: JetStream delivers them again.
    while (!ended) {
      if (waiting.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      const batch = waiting.splice(0, maxBatch);
      await this.deliverBatch(spec, batch, maxDeliver).catch((err: Error) => {
        // Not expected (deliverBatch handles its failures): JetStream delivers them again later.
        this.logger.error({ err: err.message, consumer: spec.durable }, 'batch delivery failed');
        for (const msg of batch) msg.nak(5000);
      });
    }
    await receiving;
  }

  /** Applies messages in one transaction; when that fails, each one on its own. */
  private async deliverBatch(
    spec: EventHandlerSpec,
    msgs: JsMsg[],
    maxDeliver: number,
  ): Promise<void> {
    const handleBatch = spec.handleBatch as NonNullable<
      EventHandlerSpec['handleBatch']
    >;
    const batch: { msg: JsMsg; event: EventEnvelope }[] = [];
    for (const msg of msgs) {
      try {
        const event = msg.json<EventEnvelope>();
        if (typeof event?.id !== 'string')
          throw new Error('envelope has no id');
        batch.push({ msg, event });
      } catch {
        await this.deliverOne(spec, msg, maxDeliver); // dead-letters the unreadable envelope
      }
    }
    if (batch.length <= 1) {
      for (const { msg } of batch) await this.deliverOne(spec, msg, maxDeliver);
      return;
    }
    const started = performance.now();
    const [first] = batch;
    // One span for the batch, in the trace of its first event.
    const parent = traceContextFromHeaders(first.msg.headers);
    const span = kitTracer().startSpan(
      `process ${first.msg.subject} batch`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'nats',
          'messaging.destination.name': first.msg.subject,
          'messaging.operation.type': 'process',
          'messaging.consumer.group.name': spec.durable,
          'messaging.batch.message_count': batch.length,
        },
      },
      parent,
    );
    try {
      const outcome = await otelContext.with(trace.setSpan(parent, span), () =>
        runInContext(
          {
            correlationId: first.event.correlationId ?? first.event.id,
            causationId: first.event.id,
          },
          () =>
            this.db.transaction(async (tx) => {
              const inserted = await queryRows<{ event_id: string }>(
                tx,
                sql`insert into inbox (consumer, event_id) select ${spec.durable}, id from unnest(${sql.param(batch.map((b) => b.event.id))}::text[]) as id
                on conflict do nothing returning event_id`,
              );
              // Each new event once, in stream order (the same event may come twice in one batch).
              const fresh = new Set(inserted.map((r) => r.event_id));
              const events = batch
                .map((b) => b.event)
                .filter((e) => fresh.delete(e.id));
              return {
                applied: events.length,
                afterCommit: events.length
                  ? ((await handleBatch(events, tx)) ?? undefined)
                  : undefined,
              };
            }),
        ),
      );
      for (const { msg } of batch) msg.ack();
      try {
        outcome.afterCommit?.();
      } catch (err) {
        this.logger.warn(
          { err: (err as Error).message, consumer: spec.durable },
          'after-commit work failed',
        );
      }
      span.setAttribute('omnibus.delivery.outcome', 'applied');
      const seconds = (performance.now() - started) / 1000 / batch.length;
      for (const { msg } of batch) {
        const attributes = {
          consumer: spec.durable,
          subject: msg.subject,
          outcome: 'applied',
        };
        kitMetrics().eventsProcessed.add(1, attributes);
        kitMetrics().eventDuration.record(seconds, attributes);
      }
    } catch (err) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: (err as Error).message,
      });
      this.logger.warn(
        {
          err: (err as Error).message,
          consumer: spec.durable,
          events: batch.length,
        },
        'a batch of events failed; applying them one by one',
      );
      for (const { msg } of batch) await this.deliverOne(spec, msg, maxDeliver);
    } finally {
      span.end();
    }
  }

  /**
   * Runs one delivery in a consumer span that continues the trace of the change that caused the event
   * (the relay sends its trace context as NATS headers), and measures it by consumer, subject and outcome.
   */
  private async traced(
    spec: EventHandlerSpec,
    msg: JsMsg,
    deliver: () => Promise<DeliveryOutcome>,
  ): Promise<DeliveryOutcome> {
    const started = performance.now();
    const parent = traceContextFromHeaders(msg.headers);
    const span = kitTracer().startSpan(
      `process ${msg.subject}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'nats',
          'messaging.destination.name': msg.subject,
          'messaging.operation.type': 'process',
          'messaging.consumer.group.name': spec.durable,
        },
      },
      parent,
    );
    let outcome: DeliveryOutcome | 'failed' = 'failed';
    try {
      outcome = await otelContext.with(trace.setSpan(parent, span), deliver);
      return outcome;
    } finally {
      if (outcome !== 'applied' && outcome !== 'duplicate')
        span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      span.setAttribute('omnibus.delivery.outcome', outcome);
      span.end();
      const attributes = {
        consumer: spec.durable,
        subject: msg.subject,
        outcome,
      };
      kitMetrics().eventsProcessed.add(1, attributes);
      kitMetrics().eventDuration.record(
        (performance.now() - started) / 1000,
        attributes,
      );
    }
  }

  /** Consumer lag (events not yet delivered, and delivered but not acked), read from JetStream when scraped. */
  private observeLag(spec: EventHandlerSpec): void {
    this.observed.push({ stream: spec.stream, durable: spec.durable });
    if (this.lagGauges) return;
    const { meter } = kitMetrics();
    const pending = meter.createObservableGauge('events.consumer.pending', {
      description: 'events on the stream this consumer has not received yet',
    });
    const ackPending = meter.createObservableGauge(
      'events.consumer.ack_pending',
      {
        description:
          'events delivered to this consumer and not yet acknowledged',
      },
    );
    const callback: BatchObservableCallback = async (result) => {
      await Promise.all(
        this.observed.map(async ({ stream, durable }) => {
          const info = await this.jsm.consumers
            .info(stream, durable)
            .catch(() => undefined);
          if (!info) return;
          result.observe(pending, info.num_pending, {
            consumer: durable,
            stream,
          });
          result.observe(ackPending, info.num_ack_pending, {
            consumer: durable,
            stream,
          });
        }),
      );
    };
    meter.addBatchObservableCallback(callback, [pending, ackPending]);
    this.lagGauges = { pending, ackPending, callback };
  }

  /** Handles one delivery; exported for tests through the consumer loop only. */
  async deliver(
    spec: EventHandlerSpec,
    msg: JsMsg,
    maxDeliver: number,
  ): Promise<DeliveryOutcome> {
    let event: EventEnvelope;
    try {
      event = msg.json<EventEnvelope>();
      if (typeof event?.id !== 'string') throw new Error('envelope has no id');
    } catch (err) {
      await this.deadLetter(
        spec,
        `seq-${msg.seq}`,
        msg,
        `unreadable envelope: ${(err as Error).message}`,
      );
      msg.term();
      return 'dead-lettered';
    }
    try {
      const outcome = await runInContext(
        {
          correlationId: event.correlationId ?? event.id,
          causationId: event.id,
        },
        () =>
          this.db.transaction(async (tx) => {
            const inserted = await queryRows(
              tx,
              sql`insert into inbox (consumer, event_id) values (${spec.durable}, ${event.id}) on conflict do nothing returning event_id`,
            );
            if (inserted.length === 0) return { applied: false };
            return {
              applied: true,
              afterCommit: (await spec.handle(event, tx)) ?? undefined,
            };
          }),
      );
      msg.ack();
      if (outcome.afterCommit) {
        try {
          outcome.afterCommit();
        } catch (err) {
          this.logger.warn(
            {
              err: (err as Error).message,
              eventId: event.id,
              consumer: spec.durable,
            },
            'after-commit work failed',
          );
        }
      }
      return outcome.applied ? 'applied' : 'duplicate';
    } catch (err) {
      const deliveries = msg.info.redeliveryCount;
      if (deliveries >= maxDeliver) {
        this.logger.error(
          {
            err: (err as Error).message,
            eventId: event.id,
            consumer: spec.durable,
            deliveries,
          },
          'event moved to dead letters',
        );
        await this.deadLetter(spec, event.id, msg, (err as Error).message);
        msg.term();
        return 'dead-lettered';
      }
      this.logger.warn(
        {
          err: (err as Error).message,
          eventId: event.id,
          consumer: spec.durable,
          deliveries,
        },
        'event handler failed, will retry',
      );
      msg.nak(Math.min(30_000, 250 * 2 ** deliveries));
      return 'retry';
    }
  }

  private async deadLetter(
    spec: EventHandlerSpec,
    eventId: string,
    msg: JsMsg,
    error: string,
  ): Promise<void> {
    await this.db.execute(
      sql`insert into dead_letters (consumer, event_id, subject, payload, error, deliveries)
          values (${spec.durable}, ${eventId}, ${msg.subject}, ${msg.string()}, ${error}, ${msg.info.redeliveryCount})
          on conflict (consumer, event_id) do update set error = excluded.error, deliveries = excluded.deliveries`,
    );
  }

  /** Stops pulling; an event being handled finishes first. */
  async stop(): Promise<void> {
    if (this.lagGauges)
      kitMetrics().meter.removeBatchObservableCallback(
        this.lagGauges.callback,
        [this.lagGauges.pending, this.lagGauges.ackPending],
      );
    this.lagGauges = undefined;
    this.observed.length = 0;
    for (const r of this.running) r.messages.stop();
    await Promise.all(this.running.map((r) => r.loop.catch(() => undefined)));
    this.running.length = 0;
  }
}

import { EventEnvelope, newId } from '@omnibus/contracts';
import { BatchObservableCallback, ObservableGauge, SpanKind, context, trace } from '@opentelemetry/api';
import { sql } from 'drizzle-orm';
import { Msg, MsgHdrs, NatsConnection, Subscription, createInbox, headers as natsHeaders } from 'nats';
import type { Logger } from 'pino';
import { currentContext, correlationId } from './context';
import { Database, Queryable, queryRows } from './database';
import { kitMetrics, kitTracer, traceFields } from './telemetry';

/** JetStream's publish headers: the event id for deduplication, and its trace context (W3C names) so consumers continue its trace. */
function publishHeaders(id: string, traceparent: string | null, tracestate: string | null): MsgHdrs {
  const headers = natsHeaders();
  headers.set('Nats-Msg-Id', id);
  if (traceparent) headers.set('traceparent', traceparent);
  if (tracestate) headers.set('tracestate', tracestate);
  return headers;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The error an ack reports, or undefined when the stream stored the message (or had it already). */
function ackError(msg: Msg): Error | undefined {
  // No stream takes the subject: the server answers at once with an empty 503 status message.
  if (msg.data.length === 0) return new Error(msg.headers?.code === 503 ? 'no stream takes this subject (no responders)' : 'empty ack');
  try {
    const ack = JSON.parse(decoder.decode(msg.data)) as { error?: { code?: number; description?: string }; stream?: string };
    if (ack.error) return new Error(`${ack.error.description ?? 'JetStream error'} (${ack.error.code ?? '?'})`);
    return ack.stream ? undefined : new Error('not a JetStream ack');
  } catch {
    return new Error('not a JetStream ack');
  }
}

/**
 * Publishes to JetStream the way `js.publish` does (the stream answers each message with an ack), with
 * every ack coming to one inbox subscription: `js.publish` makes a request per message, with its own
 * timer, promises and an Error built for every message, which was most of the relay's CPU.
 */
class JetStreamPublisher {
  private readonly inbox = createInbox();
  private sub?: Subscription;
  /** Each message waiting for its ack: its batch and its place in it. */
  private readonly waiting = new Map<string, { batch: { outcomes: (Error | undefined)[]; left: number; done(): void }; index: number }>();
  private nextToken = 0;

  constructor(private readonly nc: NatsConnection) {}

  /**
   * Publishes the messages in order (in one socket write) and resolves, once every ack came or
   * `timeoutMs` passed, with each message's error (undefined: the stream stored it, or had it already).
   */
  publish(messages: { subject: string; data: Uint8Array; headers: MsgHdrs }[], timeoutMs: number): Promise<(Error | undefined)[]> {
    if (messages.length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      const tokens = messages.map(() => (this.nextToken = (this.nextToken + 1) % Number.MAX_SAFE_INTEGER).toString(36));
      const timer = setTimeout(() => {
        for (const token of tokens) this.settle(token, new Error(`no ack from JetStream within ${timeoutMs} ms`));
      }, timeoutMs);
      const batch = {
        outcomes: new Array<Error | undefined>(messages.length),
        left: messages.length,
        done: () => {
          clearTimeout(timer);
          resolve(batch.outcomes);
        },
      };
      tokens.forEach((token, index) => this.waiting.set(token, { batch, index }));
      try {
        this.sub ??= this.nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => (err ? undefined : this.settle(msg.subject.slice(this.inbox.length + 1), ackError(msg))) });
        messages.forEach((m, i) => this.nc.publish(m.subject, m.data, { reply: `${this.inbox}.${tokens[i]}`, headers: m.headers }));
      } catch (err) {
        for (const token of tokens) this.settle(token, err as Error);
      }
    });
  }

  close(): void {
    this.sub?.unsubscribe();
    this.sub = undefined;
  }

  /** Records a message's outcome; an ack after the deadline finds nothing and is dropped. */
  private settle(token: string, err: Error | undefined): void {
    const entry = this.waiting.get(token);
    if (!entry) return;
    this.waiting.delete(token);
    entry.batch.outcomes[entry.index] = err;
    if (--entry.batch.left === 0) entry.batch.done();
  }
}

/** Writes events into the outbox table, inside the caller's business transaction. */
export class Outbox {
  private readonly listeners = new Set<() => void>();

  constructor(private readonly source: string) {}

  /** Adds an event in `tx`; it is published only if `tx` commits. Returns the envelope. */
  async add<T>(tx: Queryable, type: string, data: T, version = 1): Promise<EventEnvelope<T>> {
    const envelope = this.envelope(type, data, version);
    await tx.execute(sql`insert into outbox (id, subject, envelope) values (${envelope.id}, ${type}, ${JSON.stringify(envelope)}::jsonb)`);
    return envelope;
  }

  /**
   * Adds several events in `tx` with one statement per 500 events (hot paths and bulk changes),
   * published in the order given. Returns the envelopes.
   */
  async addMany(tx: Queryable, events: { type: string; data: unknown; version?: number }[]): Promise<EventEnvelope[]> {
    const envelopes = events.map((e) => this.envelope(e.type, e.data, e.version ?? 1));
    for (let i = 0; i < envelopes.length; i += 500) {
      const chunk = envelopes.slice(i, i + 500);
      // seq (bigserial) follows the VALUES order, which is the publishing order.
      await tx.execute(sql`insert into outbox (id, subject, envelope) values ${sql.join(chunk.map((e) => sql`(${e.id}, ${e.type}, ${JSON.stringify(e)}::jsonb)`), sql`, `)}`);
    }
    return envelopes;
  }

  /**
   * A new event's envelope, not yet stored: for a hot path that inserts it into the outbox table
   * (`id`, `subject`, `envelope` jsonb) within its own statement. Call `committed()` after commit.
   */
  envelope<T>(type: string, data: T, version = 1): EventEnvelope<T> {
    const ctx = currentContext();
    const id = newId('evt');
    // The event's own span, ended at once: its consumers' spans become its children, in the same trace.
    const span = kitTracer().startSpan(`create ${type}`, {
      kind: SpanKind.PRODUCER,
      attributes: { 'messaging.system': 'nats', 'messaging.destination.name': type, 'messaging.operation.type': 'create', 'messaging.message.id': id },
    });
    const traceContext = traceFields(trace.setSpan(context.active(), span));
    span.end();
    return {
      id,
      type,
      version,
      occurredAt: new Date().toISOString(),
      source: this.source,
      correlationId: ctx?.correlationId ?? correlationId(),
      ...(ctx?.causationId ? { causationId: ctx.causationId } : {}),
      ...traceContext,
      data,
    };
  }

  /** Tells the relay that committed events wait, so it need not wait for its next poll. */
  committed(): void {
    for (const listener of this.listeners) listener();
  }

  onCommitted(listener: () => void): void {
    this.listeners.add(listener);
  }
}

export interface RelayOptions {
  batchSize?: number;
  /** How long to wait for JetStream's acks of a batch; default 5000. */
  ackTimeoutMs?: number;
  /** How often to look for events when nobody said one was committed. */
  pollMs?: number;
  /**
   * After a turn that published something, how long a turn lasts at least before the next one starts,
   * so a busy service publishes its events in batches (fewer transactions) instead of one turn per
   * commit; default 10. The first event after a quiet spell is published at once.
   */
  batchWindowMs?: number;
  maxBackoffMs?: number;
}

/**
 * Publishes pending outbox rows to JetStream in order, with `Nats-Msg-Id` = event id, then marks them
 * published. Rows are claimed with FOR UPDATE SKIP LOCKED, so several replicas can run a relay. A crash
 * between publish and mark republishes the same id, which JetStream drops as a duplicate.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private failures = 0;
  private nudged = false;
  private gauges?: { pending: ObservableGauge; age: ObservableGauge; callback: BatchObservableCallback };
  private readonly publisher: JetStreamPublisher;

  constructor(
    private readonly db: Database,
    nc: NatsConnection,
    private readonly logger: Logger,
    private readonly options: RelayOptions = {},
  ) {
    this.publisher = new JetStreamPublisher(nc);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.observeBacklog();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.gauges) kitMetrics().meter.removeBatchObservableCallback(this.gauges.callback, [this.gauges.pending, this.gauges.age]);
    this.gauges = undefined;
    this.wake?.();
    await this.loop;
    this.publisher.close();
  }

  /** Backlog and age of the oldest pending event, read from the outbox table when metrics are scraped. */
  private observeBacklog(): void {
    const { meter } = kitMetrics();
    const pending = meter.createObservableGauge('outbox.pending', { description: 'outbox events not yet published' });
    const age = meter.createObservableGauge('outbox.oldest_pending.age', { description: 'age of the oldest unpublished outbox event', unit: 's' });
    const callback: BatchObservableCallback = async (result) => {
      const [row] = await queryRows<{ pending: number | string; age: number | string | null }>(
        this.db,
        sql`select count(*) as pending, extract(epoch from now() - min(created_at)) as age from outbox where published_at is null`,
      );
      result.observe(pending, Number(row?.pending ?? 0));
      result.observe(age, Number(row?.age ?? 0));
    };
    meter.addBatchObservableCallback(callback, [pending, age]);
    this.gauges = { pending, age, callback };
  }

  notify(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** Publishes what is pending now; returns how many were published. */
  async publishPending(): Promise<number> {
    const batchSize = this.options.batchSize ?? 200;
    const outcome = await this.db.transaction(async (tx) => {
      // The envelope as text: published as PostgreSQL renders the stored jsonb, not parsed and written again.
      const rows = await queryRows<{ seq: string; id: string; subject: string; envelope: string; traceparent: string | null; tracestate: string | null }>(
        tx,
        sql`select seq, id, subject, envelope::text as envelope, envelope->>'traceparent' as traceparent, envelope->>'tracestate' as tracestate
            from outbox where published_at is null order by seq limit ${batchSize} for update skip locked`,
      );
      if (rows.length === 0) return { published: 0 };
      // Sent in order on one connection, so the stream keeps the outbox order; acks are awaited together.
      const errors = await this.publisher.publish(
        rows.map((r) => ({ subject: r.subject, data: encoder.encode(r.envelope), headers: publishHeaders(r.id, r.traceparent, r.tracestate) })),
        this.options.ackTimeoutMs ?? 5000,
      );
      const firstFailure = errors.findIndex((e) => e !== undefined);
      const published = firstFailure === -1 ? rows : rows.slice(0, firstFailure);
      if (published.length) kitMetrics().outboxPublished.add(published.length);
      if (firstFailure !== -1) kitMetrics().outboxPublishFailures.add(1);
      if (published.length) {
        await tx.execute(sql`update outbox set published_at = now(), attempts = attempts + 1 where seq in (${sql.join(published.map((r) => sql`${r.seq}`), sql`, `)})`);
      }
      if (firstFailure === -1) return { published: published.length };
      // Recorded in the same (committed) transaction, so operators see why an event waits.
      const failed = rows[firstFailure];
      const reason = errors[firstFailure]?.message ?? 'unknown error';
      await tx.execute(sql`update outbox set attempts = attempts + 1, last_error = ${reason} where seq = ${failed.seq}`);
      return { published: published.length, failure: `publishing ${failed.subject} ${failed.id} failed: ${reason}` };
    });
    if (outcome.failure) throw new Error(outcome.failure);
    return outcome.published;
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 200;
    while (this.running) {
      const started = Date.now();
      let published = 0;
      this.nudged = false;
      try {
        published = await this.publishPending();
        this.failures = 0;
      } catch (err) {
        this.failures++;
        this.logger.warn({ err: (err as Error).message, failures: this.failures }, 'outbox relay: publish failed, backing off');
      }
      if (!this.running) break;
      if (this.failures === 0 && published === batchSize) continue; // a backlog: drain it
      let delay: number;
      if (this.failures) delay = Math.min(this.options.maxBackoffMs ?? 30_000, 100 * 2 ** Math.min(this.failures, 16));
      else if (published > 0) delay = started + (this.options.batchWindowMs ?? 10) - Date.now();
      else if (this.nudged) continue;
      else delay = this.options.pollMs ?? 1000;
      // Commits announced within the batch window wait for its end; otherwise one wakes the relay.
      if (delay > 0) await this.pause(delay, this.failures > 0 || published === 0);
    }
  }

  /** Waits `ms`, or until stopped; `wakeable`: also until a commit is announced. */
  private async pause(ms: number, wakeable: boolean): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.wake = wakeable ? wake : () => (this.running ? undefined : wake());
    });
    this.wake = undefined;
  }
}

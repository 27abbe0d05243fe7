import { EventEnvelope, newId } from '@omnibus/contracts';
import { sql } from 'drizzle-orm';
import { JetStreamClient } from 'nats';
import type { Logger } from 'pino';
import { currentContext, correlationId } from './context';
import { Database, Queryable, queryRows } from './database';

/** Writes events into the outbox table, inside the caller's business transaction. */
export class Outbox {
  private readonly listeners = new Set<() => void>();

  constructor(private readonly source: string) {}

  /** Adds an event in `tx`; it is published only if `tx` commits. Returns the envelope. */
  async add<T>(tx: Queryable, type: string, data: T, version = 1): Promise<EventEnvelope<T>> {
    const ctx = currentContext();
    const envelope: EventEnvelope<T> = {
      id: newId('evt'),
      type,
      version,
      occurredAt: new Date().toISOString(),
      source: this.source,
      correlationId: ctx?.correlationId ?? correlationId(),
      ...(ctx?.causationId ? { causationId: ctx.causationId } : {}),
      data,
    };
    await tx.execute(sql`insert into outbox (id, subject, envelope) values (${envelope.id}, ${type}, ${JSON.stringify(envelope)}::jsonb)`);
    return envelope;
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
  /** How often to look for events when nobody said one was committed. */
  pollMs?: number;
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

  constructor(
    private readonly db: Database,
    private readonly js: JetStreamClient,
    private readonly logger: Logger,
    private readonly options: RelayOptions = {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  notify(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** Publishes what is pending now; returns how many were published. */
  async publishPending(): Promise<number> {
    const batchSize = this.options.batchSize ?? 200;
    const outcome = await this.db.transaction(async (tx) => {
      const rows = await queryRows<{ seq: string; id: string; subject: string; envelope: unknown }>(
        tx,
        sql`select seq, id, subject, envelope from outbox where published_at is null order by seq limit ${batchSize} for update skip locked`,
      );
      if (rows.length === 0) return { published: 0 };
      // Sent in order on one connection, so the stream keeps the outbox order; acks are awaited together.
      const results = await Promise.allSettled(
        rows.map((r) => this.js.publish(r.subject, JSON.stringify(typeof r.envelope === 'string' ? JSON.parse(r.envelope) : r.envelope), { msgID: r.id })),
      );
      const firstFailure = results.findIndex((r) => r.status === 'rejected');
      const published = firstFailure === -1 ? rows : rows.slice(0, firstFailure);
      if (published.length) {
        await tx.execute(sql`update outbox set published_at = now(), attempts = attempts + 1 where seq in (${sql.join(published.map((r) => sql`${r.seq}`), sql`, `)})`);
      }
      if (firstFailure === -1) return { published: published.length };
      // Recorded in the same (committed) transaction, so operators see why an event waits.
      const failed = rows[firstFailure];
      const reason = String((results[firstFailure] as PromiseRejectedResult).reason?.message ?? results[firstFailure]);
      await tx.execute(sql`update outbox set attempts = attempts + 1, last_error = ${reason} where seq = ${failed.seq}`);
      return { published: published.length, failure: `publishing ${failed.subject} ${failed.id} failed: ${reason}` };
    });
    if (outcome.failure) throw new Error(outcome.failure);
    return outcome.published;
  }

  private async run(): Promise<void> {
    while (this.running) {
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
      if ((published > 0 || this.nudged) && this.failures === 0) continue;
      const delay = this.failures
        ? Math.min(this.options.maxBackoffMs ?? 30_000, 100 * 2 ** Math.min(this.failures, 16))
        : (this.options.pollMs ?? 1000);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}

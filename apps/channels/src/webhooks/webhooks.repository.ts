import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, DatabaseHandle, Queryable, queryRows } from '@omnibus/service-kit';
import { and, asc, eq, sql } from 'drizzle-orm';
import { SubscriptionRow, webhookDeliveries, webhookSubscriptions } from './webhooks.schema';

/** A delivery claimed by this replica: it holds the lease until it records the outcome. */
export interface ClaimedDelivery {
  subscriptionId: string;
  entrySeq: number;
  channel: string;
  entryId: string;
  attempts: number;
}

export interface SubscriptionStats {
  pending: number;
  retrying: number;
  dead: number;
  oldestPendingSeq: number | null;
}

/** The only place that queries webhook subscriptions and deliveries. */
@Injectable()
export class WebhooksRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  async insert(tx: Queryable, row: SubscriptionRow): Promise<void> {
    await tx.insert(webhookSubscriptions).values(row);
  }

  async get(tx: Queryable, channel: string, id: string): Promise<SubscriptionRow | null> {
    const rows = await tx
      .select()
      .from(webhookSubscriptions)
      .where(and(eq(webhookSubscriptions.id, id), eq(webhookSubscriptions.channel, channel), eq(webhookSubscriptions.status, 'active')));
    return rows[0] ?? null;
  }

  async byId(tx: Queryable, id: string): Promise<SubscriptionRow | null> {
    const rows = await tx.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, id));
    return rows[0] ?? null;
  }

  async listActive(tx: Queryable, channel: string): Promise<SubscriptionRow[]> {
    return tx
      .select()
      .from(webhookSubscriptions)
      .where(and(eq(webhookSubscriptions.channel, channel), eq(webhookSubscriptions.status, 'active')))
      .orderBy(asc(webhookSubscriptions.createdAt));
  }

  /** Marks the subscription deleted and drops what it still had to deliver. */
  async delete(tx: Queryable, id: string): Promise<boolean> {
    const rows = await tx
      .update(webhookSubscriptions)
      .set({ status: 'deleted', deletedAt: new Date() })
      .where(and(eq(webhookSubscriptions.id, id), eq(webhookSubscriptions.status, 'active')))
      .returning({ id: webhookSubscriptions.id });
    await tx.delete(webhookDeliveries).where(and(eq(webhookDeliveries.subscriptionId, id), sql`${webhookDeliveries.status} <> 'delivered'`));
    return rows.length > 0;
  }

  /** Queues every entry already in the feed for a new subscription (`from: start`). */
  async backfill(tx: Queryable, subscription: SubscriptionRow): Promise<number> {
    const kinds = subscription.kinds;
    const aspects = kinds.filter((k) => k !== 'remove');
    const rows = await queryRows<{ n: number }>(
      tx,
      sql`with queued as (
            insert into webhook_deliveries (subscription_id, entry_seq, channel, entry_id, product_id, status, attempts, next_attempt_at, created_at)
            select ${subscription.id}, seq, channel, id, product_id, 'pending', 0, now(), occurred_at
            from feed_entries
            where channel = ${subscription.channel}
              and ((kind = 'remove' and ${kinds.includes('remove')}) or (kind = 'upsert' and aspects && ${`{${aspects.join(',')}}`}::text[]))
            returning 1)
          select count(*)::int as n from queued`,
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * Claims due deliveries for this replica by leasing them: rows are picked with FOR UPDATE SKIP
   * LOCKED (safe with several replicas), at most `perSubscription` per subscription, never one
   * whose product has an earlier entry still pending for the same subscription (order per product),
   * and none of the subscriptions this replica is already busy with (a slow receiver only slows itself).
   */
  async claim(opts: { busy: string[]; perSubscription: number; limit: number; leaseMs: number }): Promise<ClaimedDelivery[]> {
    const busy = `{${opts.busy.join(',')}}`;
    return queryRows<ClaimedDelivery>(
      this.db,
      sql`with due as (
            select d.subscription_id, d.entry_seq
            from webhook_deliveries d
            where d.status = 'pending'
              and d.next_attempt_at <= now()
              and (d.leased_until is null or d.leased_until < now())
              and not (d.subscription_id = any(${busy}::text[]))
              and not exists (
                select 1 from webhook_deliveries earlier
                where earlier.subscription_id = d.subscription_id
                  and earlier.product_id = d.product_id
                  and earlier.status = 'pending'
                  and earlier.entry_seq < d.entry_seq)
            order by d.next_attempt_at, d.entry_seq
            limit ${opts.limit * 4}
            for update of d skip locked),
          ranked as (
            select subscription_id, entry_seq, row_number() over (partition by subscription_id order by entry_seq) as rank from due)
          update webhook_deliveries w
          set leased_until = now() + make_interval(secs => ${opts.leaseMs / 1000})
          from ranked r
          where w.subscription_id = r.subscription_id and w.entry_seq = r.entry_seq and r.rank <= ${opts.perSubscription}
          returning w.subscription_id as "subscriptionId", w.entry_seq::float8 as "entrySeq", w.channel, w.entry_id as "entryId", w.attempts`,
    ).then((rows) => rows.slice(0, opts.limit));
  }

  async recordDelivered(d: ClaimedDelivery, status: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx
        .update(webhookDeliveries)
        .set({ status: 'delivered', deliveredAt: new Date(), attempts: d.attempts + 1, leasedUntil: null, lastStatus: status, lastError: null })
        .where(and(eq(webhookDeliveries.subscriptionId, d.subscriptionId), eq(webhookDeliveries.entrySeq, d.entrySeq), eq(webhookDeliveries.status, 'pending')));
      await tx.update(webhookSubscriptions).set({ lastDeliveredAt: new Date() }).where(eq(webhookSubscriptions.id, d.subscriptionId));
    });
  }

  /** Records a failed attempt: retried after `retryInMs`, or dead when it was the last attempt. */
  async recordFailed(d: ClaimedDelivery, failure: { error: string; status: number | null; dead: boolean; retryInMs: number }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx
        .update(webhookDeliveries)
        .set({
          attempts: d.attempts + 1,
          leasedUntil: null,
          lastError: failure.error.slice(0, 500),
          lastStatus: failure.status,
          ...(failure.dead ? { status: 'dead' as const, deadAt: new Date() } : { nextAttemptAt: new Date(Date.now() + failure.retryInMs) }),
        })
        .where(and(eq(webhookDeliveries.subscriptionId, d.subscriptionId), eq(webhookDeliveries.entrySeq, d.entrySeq), eq(webhookDeliveries.status, 'pending')));
      await tx
        .update(webhookSubscriptions)
        .set({ failures: sql`${webhookSubscriptions.failures} + 1`, lastError: failure.error.slice(0, 500) })
        .where(eq(webhookSubscriptions.id, d.subscriptionId));
    });
  }

  async deadLetters(tx: Queryable, subscriptionId: string, limit: number) {
    return tx
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.subscriptionId, subscriptionId), eq(webhookDeliveries.status, 'dead')))
      .orderBy(asc(webhookDeliveries.entrySeq))
      .limit(limit);
  }

  /** Makes dead letters pending again with fresh attempts; returns how many. */
  async redrive(tx: Queryable, subscriptionId: string, entryId?: string): Promise<number> {
    const rows = await tx
      .update(webhookDeliveries)
      .set({ status: 'pending', attempts: 0, nextAttemptAt: new Date(), leasedUntil: null, deadAt: null })
      .where(and(eq(webhookDeliveries.subscriptionId, subscriptionId), eq(webhookDeliveries.status, 'dead'), entryId ? eq(webhookDeliveries.entryId, entryId) : undefined))
      .returning({ seq: webhookDeliveries.entrySeq });
    return rows.length;
  }

  async stats(tx: Queryable, subscriptionId: string): Promise<SubscriptionStats> {
    const [row] = await queryRows<{ pending: number; retrying: number; dead: number; oldest: string | null }>(
      tx,
      sql`select count(*) filter (where status = 'pending')::int as pending,
                 count(*) filter (where status = 'pending' and attempts > 0)::int as retrying,
                 count(*) filter (where status = 'dead')::int as dead,
                 min(entry_seq) filter (where status = 'pending') as oldest
          from webhook_deliveries
          where subscription_id = ${subscriptionId} and status in ('pending', 'dead')`,
    );
    return { pending: row?.pending ?? 0, retrying: row?.retrying ?? 0, dead: row?.dead ?? 0, oldestPendingSeq: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest) };
  }

  /** Forgets delivered rows older than `olderThanMs` (the feed keeps the entries). */
  async purgeDelivered(olderThanMs: number): Promise<number> {
    const rows = await queryRows<{ n: number }>(
      this.db,
      sql`with gone as (delete from webhook_deliveries where status = 'delivered' and delivered_at < now() - make_interval(secs => ${olderThanMs / 1000}) returning 1) select count(*)::int as n from gone`,
    );
    return rows[0]?.n ?? 0;
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, DatabaseHandle, Queryable, queryRows } from '@omnibus/service-kit';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { ChannelRules } from '../views/view';
import { ChannelRow, channelRefreshJobs, channels } from './channels.schema';

/** The only place that queries the channels and their refresh jobs. */
@Injectable()
export class ChannelsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  async insert(tx: Queryable, row: ChannelRow): Promise<void> {
    await tx.insert(channels).values(row);
  }

  /** Applies `changes` only when the stored version is `expectedVersion`; null when it is not. */
  async updateIfVersion(tx: Queryable, code: string, expectedVersion: number, changes: Partial<ChannelRow>): Promise<ChannelRow | null> {
    const rows = await tx
      .update(channels)
      .set({ ...changes, version: sql`${channels.version} + 1`, updatedAt: new Date() })
      .where(and(eq(channels.code, code), eq(channels.version, expectedVersion)))
      .returning();
    return rows[0] ?? null;
  }

  async get(tx: Queryable, code: string): Promise<ChannelRow | null> {
    const rows = await tx.select().from(channels).where(eq(channels.code, code));
    return rows[0] ?? null;
  }

  /** Locks the channel row until the transaction ends (no entry of the channel is appended meanwhile). */
  async lock(tx: Queryable, code: string): Promise<ChannelRow | null> {
    const rows = await tx.select().from(channels).where(eq(channels.code, code)).for('update');
    return rows[0] ?? null;
  }

  async list(tx: Queryable): Promise<ChannelRow[]> {
    return tx.select().from(channels).orderBy(asc(channels.code));
  }

  /** The rules of the channels (all, or those named), as views are computed from them. */
  async rules(tx: Queryable, codes?: string[]): Promise<ChannelRules[]> {
    if (codes && codes.length === 0) return [];
    const rows = await tx
      .select({ code: channels.code, assortment: channels.assortment, priceScope: channels.priceScope, stockScope: channels.stockScope, locales: channels.locales })
      .from(channels)
      .where(codes ? inArray(channels.code, codes) : undefined)
      .orderBy(asc(channels.code));
    return rows;
  }

  /**
   * Takes the next positions of several channels' feeds at once and returns the last one of each. The
   * rows are locked in code order (one statement, so transactions cannot deadlock on them) and stay
   * locked until the transaction ends: the entries of one channel commit in position order.
   */
  async takeSeqs(tx: Queryable, counts: Map<string, number>): Promise<Map<string, number>> {
    const codes = [...counts.keys()].sort();
    if (codes.length === 0) return new Map();
    const rows = await queryRows<{ code: string; last_seq: string }>(
      tx,
      sql`with locked as materialized (select code from channels where code in (${sql.join(codes.map((c) => sql`${c}`), sql`, `)}) order by code for update)
          update channels set last_seq = channels.last_seq + v.n, last_entry_at = now()
          from (values ${sql.join(codes.map((c) => sql`(${c}, ${counts.get(c)}::bigint)`), sql`, `)}) as v (code, n), locked
          where channels.code = v.code and locked.code = v.code
          returning channels.code, channels.last_seq`,
    );
    if (rows.length !== codes.length) throw new Error(`channels ${codes.filter((c) => !rows.some((r) => r.code === c)).join(', ')} disappeared`);
    return new Map(rows.map((r) => [r.code, Number(r.last_seq)]));
  }

  /** Records how far the channel's own reader has come (only forward). */
  async recordRead(tx: Queryable, code: string, seq: number): Promise<void> {
    await tx
      .update(channels)
      .set({ readSeq: sql`greatest(coalesce(${channels.readSeq}, 0), ${seq})`, readAt: new Date() })
      .where(eq(channels.code, code));
  }

  /**
   * (Re)starts the rebuild of these channels' views from the first product. Locks the job rows before
   * the channel rows, the order every rebuild batch takes them in too.
   */
  async requestRebuild(tx: Queryable, codes: string[], reason: string): Promise<void> {
    if (codes.length === 0) return;
    const sorted = [...new Set(codes)].sort();
    await tx
      .insert(channelRefreshJobs)
      .values(sorted.map((channel) => ({ channel, reason, afterProductId: '', requestedAt: new Date() })))
      .onConflictDoUpdate({ target: channelRefreshJobs.channel, set: { reason: sql`excluded.reason`, afterProductId: '', requestedAt: sql`excluded.requested_at` } });
    await tx.update(channels).set({ snapshotStatus: 'building', snapshotReason: reason }).where(inArray(channels.code, sorted));
  }

  /** Channels whose view is being rebuilt, oldest request first. */
  async pendingRebuilds(tx: Queryable, limit: number): Promise<string[]> {
    const rows = await tx.select({ channel: channelRefreshJobs.channel }).from(channelRefreshJobs).orderBy(asc(channelRefreshJobs.requestedAt)).limit(limit);
    return rows.map((r) => r.channel);
  }

  /** Locks the channel's rebuild job (skipped when another replica holds it); null when there is none. */
  async lockRebuild(tx: Queryable, code: string): Promise<{ afterProductId: string; reason: string } | null> {
    const rows = await tx
      .select({ afterProductId: channelRefreshJobs.afterProductId, reason: channelRefreshJobs.reason })
      .from(channelRefreshJobs)
      .where(eq(channelRefreshJobs.channel, code))
      .for('update', { skipLocked: true });
    return rows[0] ?? null;
  }

  async advanceRebuild(tx: Queryable, code: string, afterProductId: string): Promise<void> {
    await tx.update(channelRefreshJobs).set({ afterProductId }).where(eq(channelRefreshJobs.channel, code));
  }

  async finishRebuild(tx: Queryable, code: string): Promise<void> {
    await tx.delete(channelRefreshJobs).where(eq(channelRefreshJobs.channel, code));
    await tx.update(channels).set({ snapshotStatus: 'ready' }).where(eq(channels.code, code));
  }
}

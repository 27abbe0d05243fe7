import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, DatabaseHandle, Queryable, queryRows } from '@omnibus/service-kit';
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import { CheckoutProgress, CheckoutRow, CheckoutStatus, CheckoutStep, checkouts } from './checkout.schema';

/** What a guarded save changes; only the runner holding the lease may write. */
export interface CheckoutChange {
  status?: CheckoutStatus;
  step?: CheckoutStep;
  progress?: CheckoutProgress;
  error?: CheckoutRow['error'];
  leaseUntil: Date;
}

@Injectable()
export class CheckoutRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  /** Inserts a new checkout; false when its key (or its external id) is taken. */
  async insert(row: CheckoutRow): Promise<boolean> {
    const inserted = await this.db.insert(checkouts).values(row).onConflictDoNothing().returning({ id: checkouts.id });
    return inserted.length === 1;
  }

  async findByKey(channel: string, idempotencyKey: string): Promise<CheckoutRow | undefined> {
    const [row] = await this.db.select().from(checkouts).where(and(eq(checkouts.channel, channel), eq(checkouts.idempotencyKey, idempotencyKey)));
    return row;
  }

  /** The checkout that holds an external order id (failed ones give it up). */
  async findByExternalId(channel: string, externalId: string): Promise<CheckoutRow | undefined> {
    const [row] = await this.db
      .select()
      .from(checkouts)
      .where(and(eq(checkouts.channel, channel), eq(checkouts.externalId, externalId), ne(checkouts.status, 'failed')));
    return row;
  }

  /** Saves progress if `token` still holds the lease; false when another runner took the checkout over. */
  async save(db: Queryable, id: string, token: string, change: CheckoutChange): Promise<boolean> {
    const saved = await db
      .update(checkouts)
      .set({ ...change, updatedAt: new Date() })
      .where(and(eq(checkouts.id, id), eq(checkouts.leaseToken, token)))
      .returning({ id: checkouts.id });
    return saved.length === 1;
  }

  /** Starts a failed checkout over (a retry after a dependency was unavailable); false when it is not failed any more. */
  async restart(id: string, token: string, leaseUntil: Date): Promise<CheckoutRow | undefined> {
    const [row] = await this.db
      .update(checkouts)
      .set({ status: 'running', step: 'price', progress: {}, error: null, leaseToken: token, leaseUntil, updatedAt: new Date() })
      .where(and(eq(checkouts.id, id), eq(checkouts.status, 'failed')))
      .returning();
    return row;
  }

  /**
   * Takes over up to `limit` unfinished checkouts whose lease ran out (their runner crashed or gave up
   * waiting): each replica claims different ones (SKIP LOCKED) and holds them for `leaseMs`.
   */
  async claimStale(limit: number, token: string, leaseMs: number): Promise<CheckoutRow[]> {
    const rows = await queryRows<{ id: string }>(
      this.db,
      sql`update checkouts set lease_token = ${token}, lease_until = now() + ${leaseMs} * interval '1 millisecond', attempts = attempts + 1, updated_at = now()
          where id in (
            select id from checkouts where status in ('running', 'compensating') and lease_until < now()
            order by lease_until limit ${limit} for update skip locked)
          returning id`,
    );
    if (rows.length === 0) return [];
    return this.db.select().from(checkouts).where(inArray(checkouts.id, rows.map((r) => r.id)));
  }
}

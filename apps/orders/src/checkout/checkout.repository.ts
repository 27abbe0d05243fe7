import { Inject, Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@omnibus/contracts';
import { DATABASE, DatabaseHandle, Queryable, queryRows } from '@omnibus/service-kit';
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import { OrderRow } from '../orders/orders.schema';
import { CheckoutProgress, CheckoutRow, CheckoutStatus, CheckoutStep, checkouts } from './checkout.schema';

/** What a guarded save changes; only the runner holding the lease may write. */
export interface CheckoutChange {
  status?: CheckoutStatus;
  step?: CheckoutStep;
  progress?: CheckoutProgress;
  error?: CheckoutRow['error'];
  leaseUntil: Date;
}

// Named prepared statements: each checkout runs both once, so they are parsed and planned once per
// connection, and a row travels as one jsonb parameter (snake_case keys, the table's column names).
const INSERT_CHECKOUT = `
insert into checkouts select * from jsonb_populate_record(null::checkouts, $1::jsonb)
on conflict do nothing returning id`;

const RECORD_ORDER = `
with saved as (
  update checkouts set status = 'completed', step = 'done', lease_until = $3::timestamptz, updated_at = $3::timestamptz
  where id = $1::text and lease_token = $2::text
  returning id
),
placed as (
  insert into orders select o.* from saved, jsonb_populate_record(null::orders, $4::jsonb) o
  returning id
),
events as (
  insert into outbox (id, subject, envelope)
  select e.envelope ->> 'id', e.envelope ->> 'type', e.envelope
  from saved, jsonb_array_elements($5::jsonb) with ordinality as e(envelope, n)
  order by e.n
  returning seq
)
select (select count(*) from placed)::int as placed, (select count(*) from events)::int as events`;

@Injectable()
export class CheckoutRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  /** Inserts a new checkout; false when its key (or its external id) is taken. */
  async insert(row: CheckoutRow): Promise<boolean> {
    const record = {
      id: row.id,
      channel: row.channel,
      idempotency_key: row.idempotencyKey,
      request_hash: row.requestHash,
      request: row.request,
      external_id: row.externalId,
      status: row.status,
      step: row.step,
      progress: row.progress,
      error: row.error,
      lease_token: row.leaseToken,
      lease_until: row.leaseUntil,
      attempts: row.attempts,
      created_at: row.createdAt,
      updated_at: row.updatedAt,
    };
    const inserted = await this.database.prepared<{ id: string }>('orders_insert_checkout', INSERT_CHECKOUT, [JSON.stringify(record)]);
    return inserted.length === 1;
  }

  /**
   * The checkout's end in one autocommit statement: marks it completed if `token` still holds its
   * lease, and only then inserts the order and queues its events (in the order given). False when
   * another runner took the checkout over (nothing is written).
   */
  async recordOrder(id: string, token: string, at: Date, order: OrderRow, events: EventEnvelope[]): Promise<boolean> {
    const record = {
      id: order.id,
      channel: order.channel,
      customer_id: order.customerId,
      external_id: order.externalId,
      status: order.status,
      fulfilment: order.fulfilment,
      currency: order.currency,
      lines: order.lines,
      subtotal: order.subtotal,
      discount_total: order.discountTotal,
      total: order.total,
      coupon_codes: order.couponCodes,
      contact: order.contact,
      note: order.note,
      reservation_id: order.reservationId,
      reservation_key: order.reservationKey,
      history: order.history,
      version: order.version,
      placed_at: order.placedAt,
      updated_at: order.updatedAt,
    };
    const [row] = await this.database.prepared<{ placed: number; events: number }>('orders_record_order', RECORD_ORDER, [
      id,
      token,
      at.toISOString(),
      JSON.stringify(record),
      JSON.stringify(events),
    ]);
    return row.placed === 1;
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

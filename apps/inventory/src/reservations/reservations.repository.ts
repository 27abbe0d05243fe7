import { Inject, Injectable } from '@nestjs/common';
import type { EventEnvelope, Reservation, ReservationStatus } from '@omnibus/contracts';
import { DATABASE, DatabaseHandle, Queryable } from '@omnibus/service-kit';
import { SQL, and, asc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import { ReservationRow, reservations } from './reservations.schema';

/** A reservation named by id or by the caller's key. */
export type ReservationKey = { id: string } | { key: string };

const where = (ref: ReservationKey): SQL => ('id' in ref ? eq(reservations.id, ref.id) : eq(reservations.key, ref.key));

/** What the one-statement reservation of a single line needs. */
export interface SingleLineReservation {
  row: ReservationRow;
  sku: string;
  quantity: number;
  /** Reserve here only; else the first active location, in allocation order, that has enough. */
  locationId: string | null;
  channel: string | null;
  /** Envelopes built by the outbox; the statement fills in the location and the new figures. */
  createdEvent: EventEnvelope;
  changedEvent: EventEnvelope;
}

export interface ReservedLevel {
  locationId: string;
  onHand: number;
  reserved: number;
  available: number;
  version: number;
}

/** A level as a reservation statement changed it. */
interface ChangedLevelRow {
  location_id: string;
  on_hand: number;
  reserved: number;
  available: number;
  version: number;
}

const toReservedLevel = (row: ChangedLevelRow): ReservedLevel => ({
  locationId: row.location_id,
  onHand: Number(row.on_hand),
  reserved: Number(row.reserved),
  available: Number(row.available),
  version: Number(row.version),
});

// A named prepared statement: planned once per connection, as this is the hottest write.
const RESERVE_SINGLE_LINE = `
with pick as (
  select s.sku, s.location_id
  from stock_levels s join locations l on l.id = s.location_id join known_skus k on k.sku = s.sku
  where s.sku = $1::text and s.on_hand - s.reserved >= $2::int and l.active and k.product_status <> 'archived'
    and ($3::text is null or s.location_id = $3::text)
    and ($4::text is null or $4::text = any(l.channels))
  order by l.priority, l.code
  limit 1
),
changed as (
  update stock_levels s set reserved = s.reserved + $2::int, version = s.version + 1, updated_at = now()
  from pick where s.sku = pick.sku and s.location_id = pick.location_id and s.on_hand - s.reserved >= $2::int
  returning s.location_id, s.on_hand, s.reserved, s.available, s.version
),
reservation as (
  insert into reservations (id, key, channel, status, lines, expires_at, created_at, updated_at)
  select $5::text, $6::text, $4::text, 'active', jsonb_build_array(jsonb_build_object('sku', $1::text, 'locationId', c.location_id, 'quantity', $2::int)),
         $7::timestamptz, $8::timestamptz, $8::timestamptz
  from changed c
  returning lines
),
events as (
  insert into outbox (id, subject, envelope)
  select $9::text, $10::text, jsonb_set($11::jsonb, '{data,reservation,lines}', res.lines) from reservation res
  union all
  select $12::text, $13::text,
         jsonb_set($14::jsonb, '{data}', ($14::jsonb -> 'data')
           || jsonb_build_object('locationId', c.location_id, 'onHand', c.on_hand, 'reserved', c.reserved, 'available', c.available, 'version', c.version))
  from changed c
  returning id
)
select c.*, (select count(*) from events)::int as events from changed c`;

/** What the one-statement reservation of several lines at one location needs. */
export interface OneLocationReservation {
  row: ReservationRow;
  /** Distinct SKUs, in lock order; the lines, the events and the answer follow this order. */
  lines: { sku: string; quantity: number }[];
  /** Reserve here only; else the first active location, in allocation order, that has every line. */
  locationId: string | null;
  channel: string | null;
  /** Envelopes built by the outbox; the statement fills in the lines, the location and the new figures. */
  createdEvent: EventEnvelope;
  /** One `inventory.stock.changed` envelope per line, in the order of `lines`. */
  changedEvents: EventEnvelope[];
}

// The first rule of allocation (docs/inventory.md) in one statement: the first location, in allocation
// order, that has every line. It locks the lines' levels there (in the order every writer locks them),
// and only when all of them still have enough, reserves them all, inserts the reservation and queues
// its events. A named prepared statement, as a cart's checkout runs it.
const RESERVE_AT_ONE_LOCATION = `
with wanted as (
  select w.sku, w.quantity, w.n from unnest($1::text[], $2::int[]) with ordinality as w(sku, quantity, n)
),
pick as (
  select s.location_id
  from stock_levels s join wanted w on w.sku = s.sku join locations l on l.id = s.location_id
  where s.on_hand - s.reserved >= w.quantity and l.active
    and ($3::text is null or s.location_id = $3::text)
    and ($4::text is null or $4::text = any(l.channels))
  group by s.location_id, l.priority, l.code
  having count(*) = cardinality($1::text[])
  order by l.priority, l.code
  limit 1
),
sellable as (
  select count(*) = cardinality($1::text[]) as ok
  from known_skus k join wanted w on w.sku = k.sku
  where k.product_status <> 'archived'
),
locked as materialized (
  select s.sku, s.location_id, w.quantity, w.n
  from stock_levels s join pick p on p.location_id = s.location_id join wanted w on w.sku = s.sku cross join sellable
  where sellable.ok and s.on_hand - s.reserved >= w.quantity
  order by s.sku, s.location_id
  for update of s
),
changed as (
  update stock_levels s set reserved = s.reserved + k.quantity, version = s.version + 1, updated_at = now()
  from locked k
  where (select count(*) from locked) = cardinality($1::text[])
    and s.sku = k.sku and s.location_id = k.location_id
  returning s.sku, s.location_id, s.on_hand, s.reserved, s.available, s.version, k.quantity, k.n
),
reservation as (
  insert into reservations (id, key, channel, status, lines, expires_at, created_at, updated_at)
  select $5::text, $6::text, $4::text, 'active',
         (select jsonb_agg(jsonb_build_object('sku', c.sku, 'locationId', c.location_id, 'quantity', c.quantity) order by c.n) from changed c),
         $7::timestamptz, $8::timestamptz, $8::timestamptz
  where (select count(*) from changed) = cardinality($1::text[])
  returning lines
),
events as (
  insert into outbox (id, subject, envelope)
  select e ->> 'id', e ->> 'type', e from (
    select jsonb_set($9::jsonb, '{data,reservation,lines}', r.lines) as e, 0::bigint as n from reservation r
    union all
    select jsonb_set(t.e, '{data}', (t.e -> 'data')
             || jsonb_build_object('locationId', c.location_id, 'onHand', c.on_hand, 'reserved', c.reserved, 'available', c.available, 'version', c.version)),
           t.n
    from jsonb_array_elements($10::jsonb) with ordinality as t(e, n) join changed c on c.n = t.n
    where exists (select 1 from reservation)
  ) queued
  order by n
  returning id
)
select c.sku, c.location_id, c.on_hand, c.reserved, c.available, c.version, (select count(*) from events)::int as events
from changed c where exists (select 1 from reservation) order by c.n`;

/** What explains a reservation that could not be made, read in one statement. */
export interface RefusalFacts {
  /** A reservation with this key exists already. */
  keyTaken: boolean;
  /** The product status of each SKU the inventory knows. */
  states: Record<string, string>;
  /** Per SKU, what is available in all at the locations that may serve the request. */
  available: Record<string, number>;
  /** The location the request names, when it names one that exists. */
  location: { code: string; active: boolean; channels: string[] } | null;
}

// Why a reservation failed (a sell-out refuses most requests): the facts of every check in one round
// trip. Available stock counts the active locations that supply the channel, or the one location named.
const REFUSAL_FACTS = `
select
  exists (select 1 from reservations where key = $1::text) as key_taken,
  coalesce((select jsonb_object_agg(k.sku, k.product_status) from known_skus k where k.sku = any($2::text[])), '{}'::jsonb) as states,
  coalesce((select jsonb_object_agg(a.sku, a.available) from (
    select s.sku, sum(s.available)::int as available
    from stock_levels s join locations l on l.id = s.location_id
    where s.sku = any($2::text[]) and l.active
      and ($4::text is null or $4::text = any(l.channels))
      and ($3::text is null or s.location_id = $3::text)
    group by s.sku) a), '{}'::jsonb) as available,
  (select jsonb_build_object('code', l.code, 'active', l.active, 'channels', l.channels) from locations l where l.id = $3::text) as location`;

/** The only place that queries the reservations table. */
@Injectable()
export class ReservationsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  /** Inserts the reservation unless its key is taken (then waits for the other writer and returns false). */
  async insertIfNew(tx: Queryable, row: ReservationRow): Promise<boolean> {
    const rows = await tx.insert(reservations).values(row).onConflictDoNothing({ target: reservations.key }).returning({ id: reservations.id });
    return rows.length > 0;
  }

  /**
   * The hot path, in one autocommit statement (one round trip, no lock held between statements):
   * picks the first location in allocation order (priority, code) with enough available, reserves
   * the units there only if they are still available when the row is locked, inserts the
   * reservation and queues its two events in the outbox. Nothing happens (null) when no location
   * has enough, the SKU is unknown or archived, or a concurrent writer took the units first. A taken
   * key fails the whole statement with a unique violation (23505).
   */
  async reserveSingleLine(r: SingleLineReservation): Promise<ReservedLevel | null> {
    const rows = await this.database.prepared<ChangedLevelRow>(
      'inventory_reserve_single_line',
      RESERVE_SINGLE_LINE,
      [
        r.sku,
        r.quantity,
        r.locationId,
        r.channel,
        r.row.id,
        r.row.key,
        r.row.expiresAt.toISOString(),
        r.row.createdAt.toISOString(),
        r.createdEvent.id,
        r.createdEvent.type,
        JSON.stringify(r.createdEvent),
        r.changedEvent.id,
        r.changedEvent.type,
        JSON.stringify(r.changedEvent),
      ],
    );
    return rows[0] ? toReservedLevel(rows[0]) : null;
  }

  /**
   * Several lines in one autocommit statement, all from the first location (in allocation order) that
   * has every one of them: the levels are locked in lock order and reserved only if all still have
   * enough, with the reservation and its events. The levels as changed, in the order of the lines; an
   * empty list when no location has every line, a SKU is unknown or archived, or a concurrent writer
   * took units first (nothing happened). A taken key fails with a unique violation (23505).
   */
  async reserveAtOneLocation(r: OneLocationReservation): Promise<ReservedLevel[]> {
    const rows = await this.database.prepared<ChangedLevelRow>(
      'inventory_reserve_at_one_location',
      RESERVE_AT_ONE_LOCATION,
      [
        r.lines.map((l) => l.sku),
        r.lines.map((l) => l.quantity),
        r.locationId,
        r.channel,
        r.row.id,
        r.row.key,
        r.row.expiresAt.toISOString(),
        r.row.createdAt.toISOString(),
        JSON.stringify(r.createdEvent),
        JSON.stringify(r.changedEvents),
      ],
    );
    return rows.map(toReservedLevel);
  }

  /** The facts that explain why `key` could not reserve `skus` (at `locationId`, for `channel`). */
  async refusalFacts(key: string, skus: string[], locationId: string | null, channel: string | null): Promise<RefusalFacts> {
    const [row] = await this.database.prepared<{ key_taken: boolean; states: Record<string, string>; available: Record<string, number>; location: RefusalFacts['location'] }>(
      'inventory_refusal_facts',
      REFUSAL_FACTS,
      [key, skus, locationId, channel],
    );
    return { keyTaken: row.key_taken, states: row.states, available: row.available, location: row.location };
  }

  async find(tx: Queryable, ref: ReservationKey): Promise<ReservationRow | null> {
    const rows = await tx.select().from(reservations).where(where(ref));
    return rows[0] ?? null;
  }

  /**
   * Moves an active reservation to `status`; only one caller can win. With `unexpiredOnly`, one
   * whose expiry has passed stays active (for the sweeper). Null when nothing matched.
   */
  async settle(tx: Queryable, ref: ReservationKey, status: ReservationStatus, options: { channel?: string; unexpiredOnly?: boolean }): Promise<ReservationRow | null> {
    const rows = await tx
      .update(reservations)
      .set({ status, updatedAt: new Date() })
      .where(
        and(
          where(ref),
          eq(reservations.status, 'active'),
          options.channel ? eq(reservations.channel, options.channel) : undefined,
          options.unexpiredOnly ? gt(reservations.expiresAt, sql`now()`) : undefined,
        ),
      )
      .returning();
    return rows[0] ?? null;
  }

  /** Claims up to `limit` active reservations past their expiry; other replicas skip the claimed ones. */
  async claimExpired(tx: Queryable, limit: number): Promise<ReservationRow[]> {
    return tx
      .select()
      .from(reservations)
      .where(and(eq(reservations.status, 'active'), lte(reservations.expiresAt, sql`now()`)))
      .orderBy(asc(reservations.expiresAt))
      .limit(limit)
      .for('update', { skipLocked: true });
  }

  async markExpired(tx: Queryable, ids: string[]): Promise<ReservationRow[]> {
    if (ids.length === 0) return [];
    return tx.update(reservations).set({ status: 'expired', updatedAt: new Date() }).where(inArray(reservations.id, ids)).returning();
  }
}

export function toReservation(row: ReservationRow): Reservation {
  return {
    id: row.id,
    key: row.key,
    channel: row.channel,
    status: row.status,
    lines: row.lines,
    expiresAt: new Date(row.expiresAt).toISOString(),
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

import { Inject, Injectable } from '@nestjs/common';
import {
  FieldProblem,
  InventoryEvents,
  Reservation,
  ReservationEventData,
  ReservationLine,
  ReservationRef,
  ReservationStatus,
  ReserveStockRequest,
  StockChangedEventData,
  newId,
} from '@omnibus/contracts';
import { Outbox, RpcError, SERVICE_CONFIG, Transaction } from '@omnibus/service-kit';
import { InventoryConfig } from '../config';
import { inTransaction, pgErrorCode } from '../db/transactions';
import { StockRepository, byLockOrder, levelKey } from '../stock/stock.repository';
import { StockService, stockChangedEvents } from '../stock/stock.service';
import { Candidate, PlannedLine, allocate } from './allocation';
import { ReservationKey, ReservationsRepository, toReservation } from './reservations.repository';
import { ReservationRow } from './reservations.schema';

/** Thrown inside the reservation transaction when a conditional update found a line short: rolls back. */
class StockMovedOn extends Error {}

/** How many times a plan that lost a race for the last units is made again from fresh figures. */
const PLAN_ATTEMPTS = 4;

/** The reference a request names: exactly one of id or key. */
export function reservationKeyOf(ref: ReservationRef): ReservationKey {
  if (ref.id !== undefined && ref.key === undefined) return { id: ref.id };
  if (ref.key !== undefined && ref.id === undefined) return { key: ref.key };
  throw new RpcError('VALIDATION', 'give exactly one of id or key', [{ field: 'id', problem: 'give exactly one of id or key' }]);
}

/** True when a stored reservation answers the same request again (same channel, same units per SKU). */
export function sameRequest(row: { channel: string | null; lines: ReservationLine[] }, req: ReserveStockRequest): boolean {
  if ((row.channel ?? null) !== (req.channel ?? null)) return false;
  const stored = new Map<string, number>();
  for (const l of row.lines) stored.set(l.sku, (stored.get(l.sku) ?? 0) + l.quantity);
  if (stored.size !== req.lines.length) return false;
  if (req.locationId && row.lines.some((l) => l.locationId !== req.locationId)) return false;
  return req.lines.every((l) => stored.get(l.sku) === l.quantity);
}

/** Reservations: all lines or none, idempotent by key, committed or released once, expired by the sweeper. */
@Injectable()
export class ReservationsService {
  constructor(
    private readonly repository: ReservationsRepository,
    private readonly stockRepository: StockRepository,
    private readonly stock: StockService,
    private readonly outbox: Outbox,
    @Inject(SERVICE_CONFIG) private readonly config: InventoryConfig,
  ) {}

  async reserve(req: ReserveStockRequest): Promise<Reservation> {
    const channel = req.channel ?? null;
    const fast = req.lines.length === 1 ? await this.reserveSingleLine(req, channel) : await this.reserveAtOneLocation(req, channel);
    if (fast) return fast;
    // Not served at one location: most often the stock ran out (a sell-out refuses most requests) or
    // the key was used before, so find that out in one statement before planning a split.
    const repeated = await this.explain(req);
    if (repeated) return repeated;
    for (let attempt = 1; attempt <= PLAN_ATTEMPTS; attempt++) {
      const at = req.locationId;
      const plan = at ? req.lines.map((l) => ({ sku: l.sku, locationId: at, quantity: l.quantity })) : await this.plan(req);
      if (!plan) break;
      const outcome = await this.tryReserve(req, plan, channel);
      if (outcome === 'key-taken') return this.existing(req);
      if (outcome) return outcome;
      // A line was short when written: with a fixed location nothing else can serve it.
      if (req.locationId) break;
    }
    const retried = await this.explain(req);
    if (retried) return retried;
    // Each line alone is covered, yet the plan kept losing races for the last units: still a conflict.
    throw new RpcError('CONFLICT', `not enough stock ${whereOf(req)}: others reserved the same units at the same time; retry`);
  }

  async commit(ref: ReservationRef): Promise<Reservation> {
    const key = reservationKeyOf(ref);
    return inTransaction(this.repository.db, this.outbox, async (tx) => {
      // An expired reservation is not committed, even before the sweeper released it.
      const row = await this.repository.settle(tx, key, 'committed', { channel: ref.channel, unexpiredOnly: true });
      if (!row) return this.alreadySettled(tx, key, ref.channel, 'committed');
      // Stock leaves: on hand and reserved both drop (never below zero, should a count have lowered on hand).
      await this.releaseLines(tx, [row], 'commit', (level, quantity) => ({ onHand: Math.max(level.onHand - quantity, 0), reserved: Math.max(level.reserved - quantity, 0) }), InventoryEvents.reservationCommitted);
      return toReservation(row);
    });
  }

  async release(ref: ReservationRef): Promise<Reservation> {
    const key = reservationKeyOf(ref);
    return inTransaction(this.repository.db, this.outbox, async (tx) => {
      const row = await this.repository.settle(tx, key, 'released', { channel: ref.channel });
      if (!row) return this.alreadySettled(tx, key, ref.channel, 'released');
      await this.releaseLines(tx, [row], 'release', (level, quantity) => ({ onHand: level.onHand, reserved: Math.max(level.reserved - quantity, 0) }), InventoryEvents.reservationReleased);
      return toReservation(row);
    });
  }

  async get(ref: ReservationRef): Promise<Reservation> {
    const key = reservationKeyOf(ref);
    const row = await this.repository.find(this.repository.db, key);
    if (!row || (ref.channel && row.channel !== ref.channel)) throw notFound(key);
    return toReservation(row);
  }

  /** Releases up to `limit` expired reservations in one transaction; returns how many. Safe in every replica. */
  async expireDue(limit = 200): Promise<number> {
    return inTransaction(this.repository.db, this.outbox, async (tx) => {
      const due = await this.repository.claimExpired(tx, limit);
      if (due.length === 0) return 0;
      const expired = await this.repository.markExpired(tx, due.map((r) => r.id));
      await this.releaseLines(tx, expired, 'expire', (level, quantity) => ({ onHand: level.onHand, reserved: Math.max(level.reserved - quantity, 0) }), InventoryEvents.reservationExpired);
      return expired.length;
    });
  }

  /** One line in one statement (most reservations); null when the general path must decide. */
  private async reserveSingleLine(req: ReserveStockRequest, channel: string | null): Promise<Reservation | null> {
    const [line] = req.lines;
    const row = this.newRow(req, channel, []);
    const reservation = toReservation(row);
    const createdEvent = this.outbox.envelope<ReservationEventData>(InventoryEvents.reservationCreated, { reservation });
    const changedEvent = this.outbox.envelope<Partial<StockChangedEventData>>(InventoryEvents.stockChanged, { sku: line.sku, cause: 'reserve', reference: req.key });
    let outcome;
    try {
      outcome = await this.repository.reserveSingleLine({ row, sku: line.sku, quantity: line.quantity, locationId: req.locationId ?? null, channel, createdEvent, changedEvent });
    } catch (err) {
      // The key is taken (answered as a repeat), or a deadlock with a general-path writer of the
      // same key (it locks the key, then the stock; this statement the other way round): retry there.
      if (pgErrorCode(err) === '23505' || pgErrorCode(err) === '40P01') return null;
      throw err;
    }
    if (!outcome) return null;
    this.outbox.committed();
    return { ...reservation, lines: [{ sku: line.sku, locationId: outcome.locationId, quantity: line.quantity }] };
  }

  /** Every line from one location in one statement (most carts); null when the general path must decide. */
  private async reserveAtOneLocation(req: ReserveStockRequest, channel: string | null): Promise<Reservation | null> {
    const lines = [...req.lines].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
    if (lines.some((l, i) => i > 0 && l.sku === lines[i - 1].sku)) return null; // a SKU twice: the general path sums them
    const row = this.newRow(req, channel, []);
    const reservation = toReservation(row);
    const createdEvent = this.outbox.envelope<ReservationEventData>(InventoryEvents.reservationCreated, { reservation });
    const changedEvents = lines.map((l) => this.outbox.envelope<Partial<StockChangedEventData>>(InventoryEvents.stockChanged, { sku: l.sku, cause: 'reserve', reference: req.key }));
    let levels;
    try {
      levels = await this.repository.reserveAtOneLocation({ row, lines, locationId: req.locationId ?? null, channel, createdEvent, changedEvents });
    } catch (err) {
      // As for a single line: a taken key, or a deadlock with a general-path writer of the same key.
      if (pgErrorCode(err) === '23505' || pgErrorCode(err) === '40P01') return null;
      throw err;
    }
    if (levels.length !== lines.length) return null;
    this.outbox.committed();
    return { ...reservation, lines: lines.map((l, i) => ({ sku: l.sku, locationId: levels[i].locationId, quantity: l.quantity })) };
  }

  private newRow(req: ReserveStockRequest, channel: string | null, lines: PlannedLine[]): ReservationRow {
    const now = new Date();
    return {
      id: newId('res'),
      key: req.key,
      channel,
      status: 'active',
      lines: [...lines].sort(byLockOrder),
      expiresAt: new Date(now.getTime() + (req.ttlSeconds ?? this.config.RESERVATION_TTL_SECONDS) * 1000),
      createdAt: now,
      updatedAt: now,
    };
  }

  /** The allocation rule over the active locations that supply the channel; null when short. */
  private async plan(req: ReserveStockRequest): Promise<PlannedLine[] | null> {
    const levels = await this.stockRepository.levelsAtLocations(this.repository.db, req.lines.map((l) => l.sku), req.channel);
    const candidates = new Map<string, Candidate>();
    for (const level of levels) {
      const c = candidates.get(level.locationId) ?? { locationId: level.locationId, code: level.code, priority: level.priority, available: new Map<string, number>() };
      c.available.set(level.sku, level.available);
      candidates.set(level.locationId, c);
    }
    const allocation = allocate(req.lines, [...candidates.values()]);
    return 'plan' in allocation ? allocation.plan : null;
  }

  /** One transaction: the reservation row (idempotent by key), the conditional updates, the events. */
  private async tryReserve(req: ReserveStockRequest, plan: PlannedLine[], channel: string | null): Promise<Reservation | 'key-taken' | null> {
    const row = this.newRow(req, channel, plan);
    try {
      return await inTransaction(this.repository.db, this.outbox, async (tx) => {
        if (!(await this.repository.insertIfNew(tx, row))) return 'key-taken' as const;
        const levels = await this.stockRepository.reserve(tx, row.lines, channel);
        if (levels.length !== row.lines.length) throw new StockMovedOn();
        const reservation = toReservation(row);
        await this.outbox.addMany(tx, [
          { type: InventoryEvents.reservationCreated, data: { reservation } satisfies ReservationEventData },
          ...stockChangedEvents(levels, 'reserve', req.key),
        ]);
        return reservation;
      });
    } catch (err) {
      if (err instanceof StockMovedOn) return null;
      throw err;
    }
  }

  /** A repeated key: the first reservation when the request is the same, else a conflict. */
  private async existing(req: ReserveStockRequest): Promise<Reservation> {
    const row = await this.repository.find(this.repository.db, { key: req.key });
    if (!row) throw new RpcError('UNAVAILABLE', `reservation key ${req.key} was being written concurrently: retry`);
    if (!sameRequest(row, req)) {
      throw new RpcError('CONFLICT', `reservation key ${req.key} is already used by ${row.id} for other lines or another channel`, [
        { field: 'key', problem: `is already used by reservation ${row.id} with other lines or another channel` },
      ]);
    }
    return toReservation(row);
  }

  /**
   * Why nothing can be reserved, from one statement: throws bad input as a VALIDATION error naming it
   * and missing stock as a CONFLICT naming each short line; answers a key used before with its
   * reservation. Null when nothing is wrong (the stock suffices).
   */
  private async explain(req: ReserveStockRequest): Promise<Reservation | null> {
    const facts = await this.repository.refusalFacts(req.key, [...new Set(req.lines.map((l) => l.sku))], req.locationId ?? null, req.channel ?? null);
    if (facts.keyTaken) return this.existing(req); // e.g. a retry after the stock ran out
    const problems: FieldProblem[] = [];
    req.lines.forEach((l, i) => {
      const status = facts.states[l.sku];
      if (!status) problems.push({ field: `lines.${i}.sku`, problem: `"${l.sku}" is not a SKU the catalog knows` });
      else if (status === 'archived') problems.push({ field: `lines.${i}.sku`, problem: `"${l.sku}" belongs to an archived product` });
    });
    if (req.locationId) {
      const { location } = facts;
      if (!location) problems.push({ field: 'locationId', problem: `"${req.locationId}" is not a known location` });
      else if (!location.active) problems.push({ field: 'locationId', problem: `location ${location.code} is not active` });
      else if (req.channel && !location.channels.includes(req.channel)) problems.push({ field: 'locationId', problem: `location ${location.code} does not supply channel ${req.channel}` });
    }
    if (problems.length) throw new RpcError('VALIDATION', problems.map((p) => `${p.field}: ${p.problem}`).join('; '), problems);

    const where = whereOf(req);
    // A SKU given on several lines needs their sum.
    const wanted = new Map<string, number>();
    for (const l of req.lines) wanted.set(l.sku, (wanted.get(l.sku) ?? 0) + l.quantity);
    const details = req.lines.flatMap((l, i) => {
      const available = facts.available[l.sku] ?? 0;
      return available < (wanted.get(l.sku) as number) ? [{ field: `lines.${i}.quantity`, problem: `SKU ${l.sku}: ${l.quantity} requested, ${available} available ${where}` }] : [];
    });
    if (details.length) throw new RpcError('CONFLICT', `not enough stock ${where}: ${details.map((d) => d.problem).join('; ')}; nothing was reserved`, details);
    return null;
  }

  /** A commit or release that changed nothing: repeated (idempotent), or refused because it is too late. */
  private async alreadySettled(tx: Transaction, key: ReservationKey, channel: string | undefined, wanted: 'committed' | 'released'): Promise<Reservation> {
    const row = await this.repository.find(tx, key);
    if (!row || (channel && row.channel !== channel)) throw notFound(key);
    const settledAs: ReservationStatus[] = wanted === 'committed' ? ['committed'] : ['released', 'expired'];
    if (settledAs.includes(row.status)) return toReservation(row);
    const why = row.status === 'active' ? `expired at ${new Date(row.expiresAt).toISOString()} and is being released` : `is ${row.status}`;
    throw new RpcError('CONFLICT', `reservation ${row.id} ${why}: it cannot be ${wanted}`, [{ field: 'status', problem: `is ${row.status === 'active' ? 'expired' : row.status}` }]);
  }

  /** Gives back (or takes out, for a commit) the units of settled reservations, with their events. */
  private async releaseLines(
    tx: Transaction,
    rows: ReservationRow[],
    cause: 'commit' | 'release' | 'expire',
    next: (level: { onHand: number; reserved: number }, quantity: number) => { onHand: number; reserved: number },
    eventType: string,
  ): Promise<void> {
    const quantities = new Map<string, { sku: string; locationId: string; quantity: number }>();
    for (const row of rows) {
      for (const line of row.lines) {
        const k = levelKey(line);
        const entry = quantities.get(k) ?? { sku: line.sku, locationId: line.locationId, quantity: 0 };
        entry.quantity += line.quantity;
        quantities.set(k, entry);
      }
    }
    const keys = [...quantities.values()].sort(byLockOrder);
    const locked = await this.stockRepository.lockLevels(tx, keys);
    const updates = keys.flatMap((k) => {
      const level = locked.get(levelKey(k));
      return level ? [{ sku: k.sku, locationId: k.locationId, ...next(level, k.quantity), previousOnHand: level.onHand }] : [];
    });
    const events = rows.map((row) => ({ type: eventType, data: { reservation: toReservation(row) } satisfies ReservationEventData }));
    await this.stock.write(tx, updates, cause, cause === 'commit' ? 'sale' : null, rows.length === 1 ? rows[0].key : null, events);
  }
}

function whereOf(req: ReserveStockRequest): string {
  return req.locationId ? `at ${req.locationId}` : req.channel ? `for channel ${req.channel}` : 'at any location';
}

function notFound(key: ReservationKey): RpcError {
  return new RpcError('NOT_FOUND', 'id' in key ? `reservation ${key.id} does not exist` : `no reservation with key ${key.key}`);
}

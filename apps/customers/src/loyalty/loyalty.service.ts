import { Inject, Injectable } from '@nestjs/common';
import {
  AdjustPointsRequest,
  CustomersEvents,
  EarnPointsRequest,
  ExpirePointsRequest,
  GetLoyaltyRequest,
  LoyaltyAccount,
  LoyaltyChange,
  LoyaltyChangedEventData,
  LoyaltyEntry,
  LoyaltyEntryKind,
  LoyaltyExpiryRun,
  RedeemPointsRequest,
  newId,
} from '@omnibus/contracts';
import { Outbox, Queryable, RpcError, SERVICE_CONFIG, Transaction } from '@omnibus/service-kit';
import { CustomersConfig } from '../config';
import { CustomersRepository } from '../customers/customers.repository';
import { uniqueViolation } from '../db/unique-violation';
import { expiredLots, takeFromLots } from './lots';
import { LoyaltyEntryRow } from './loyalty.schema';
import { LoyaltyRepository } from './loyalty.repository';

const DAY_MS = 86_400_000;
/** Customers handled per expiry run; the next run takes the rest. */
const EXPIRY_BATCH = 500;
/** Keys of entries the service writes itself; callers' keys cannot start with it, so cannot collide. */
const SYSTEM_KEY_PREFIX = '~';

export function toLoyaltyEntry(row: LoyaltyEntryRow): LoyaltyEntry {
  return {
    id: row.id,
    kind: row.kind,
    points: row.points,
    balanceAfter: Number(row.balanceAfter),
    idempotencyKey: row.idempotencyKey,
    orderId: row.orderId,
    reason: row.reason,
    channel: row.channel,
    expiresAt: row.expiresAt ? new Date(row.expiresAt).toISOString() : null,
    remaining: row.remaining,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^lty_[0-9a-z]{22}$/.test(id)) throw new RpcError('VALIDATION', 'cursor is not a cursor this API returned', [{ field: 'cursor', problem: 'is not a cursor this API returned' }]);
  return id;
}

/** The keys of the entries that take back an order's points for its returns. */
export const takeBackKeyPrefix = (orderId: string) => `order-${orderId}-return-`;

interface LedgerCommand {
  customerId: string;
  idempotencyKey: string;
  orderId?: string;
  reason?: string;
  channel?: string;
}

/**
 * The points ledger. Points are earned in lots that expire (`expiresAt`, default LOYALTY_POINTS_TTL_DAYS);
 * spending takes the soonest-expiring points first; a sweep writes an `expire` entry for what is left of
 * each lot once it expires. The balance is the sum of what the lots hold and never goes below zero.
 */
@Injectable()
export class LoyaltyService {
  constructor(
    private readonly repository: LoyaltyRepository,
    private readonly customers: CustomersRepository,
    @Inject(Outbox) private readonly outbox: Outbox,
    @Inject(SERVICE_CONFIG) private readonly config: CustomersConfig,
  ) {}

  async earn(req: EarnPointsRequest): Promise<LoyaltyChange> {
    const now = new Date();
    const expiresAt = req.expiresAt ? new Date(req.expiresAt) : new Date(now.getTime() + this.config.LOYALTY_POINTS_TTL_DAYS * DAY_MS);
    if (expiresAt <= now) throw new RpcError('VALIDATION', 'expiresAt: must be in the future', [{ field: 'expiresAt', problem: 'must be in the future' }]);
    return this.apply(req, 'earn', req.points, async (tx) => ({ balance: await this.repository.credit(tx, req.customerId, req.points), lot: { expiresAt } }));
  }

  async redeem(req: RedeemPointsRequest): Promise<LoyaltyChange> {
    return this.apply(req, 'redeem', -req.points, (tx) => this.take(tx, req.customerId, req.points));
  }

  /** A positive adjustment adds points that never expire; a negative one takes points like a redemption. */
  async adjust(req: AdjustPointsRequest): Promise<LoyaltyChange> {
    if (req.points > 0) return this.apply(req, 'adjust', req.points, async (tx) => ({ balance: await this.repository.credit(tx, req.customerId, req.points), lot: { expiresAt: null } }));
    return this.apply(req, 'adjust', req.points, (tx) => this.take(tx, req.customerId, -req.points));
  }

  /**
   * Takes back what an order earned for goods that came back. `points` is what the order's returns
   * take back in all so far: earlier take-backs of the order (keys `order-<id>-return-…`) count, and
   * no more than the balance holds is taken (points already spent stay spent). Once per key; null when
   * nothing is taken.
   */
  async takeBack(cmd: LedgerCommand & { orderId: string; points: number }): Promise<LoyaltyChange | null> {
    return this.transaction(async (tx) => {
      const customer = await this.customers.row(tx, cmd.customerId);
      if (!customer || customer.erasedAt) return null; // no ledger to take from
      const earlier = await this.repository.entryByKey(tx, cmd.customerId, cmd.idempotencyKey);
      if (earlier) return { customerId: cmd.customerId, balance: await this.repository.balance(tx, cmd.customerId), entry: toLoyaltyEntry(earlier), replayed: true };
      const balance = await this.repository.lockBalance(tx, cmd.customerId);
      const takenBefore = -(await this.repository.pointsOfKeysStartingWith(tx, cmd.customerId, takeBackKeyPrefix(cmd.orderId)));
      const points = Math.min(balance, Math.max(0, cmd.points - takenBefore));
      if (points === 0) return null;
      const after = await this.take(tx, cmd.customerId, points);
      const entry = await this.record(tx, cmd, 'adjust', -points, after.balance, { expiresAt: null, remaining: 0 });
      return { customerId: cmd.customerId, balance: after.balance, entry, replayed: false };
    });
  }

  async get(req: GetLoyaltyRequest): Promise<LoyaltyAccount> {
    const db = this.repository.db;
    if (!(await this.customers.row(db, req.customerId))) throw new RpcError('NOT_FOUND', `no customer with id "${req.customerId}"`);
    const limit = req.limit ?? 20;
    const rows = await this.repository.entries(db, req.customerId, limit + 1, req.cursor ? decodeCursor(req.cursor) : undefined);
    const page = rows.slice(0, limit);
    return {
      customerId: req.customerId,
      balance: await this.repository.balance(db, req.customerId),
      entries: page.map(toLoyaltyEntry),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  /** Expires every lot whose time has come (of one customer, or of up to EXPIRY_BATCH customers). */
  async expire(req: ExpirePointsRequest, now = new Date()): Promise<LoyaltyExpiryRun> {
    const customerIds = req.customerId ? [req.customerId] : await this.repository.customersWithExpiredLots(this.repository.db, now, EXPIRY_BATCH);
    const run: LoyaltyExpiryRun = { lotsExpired: 0, pointsExpired: 0, customers: 0 };
    for (const customerId of customerIds) {
      const expired = await this.transaction(async (tx) => {
        // The account first, then its lots: the same lock order as redemptions, so the two cannot deadlock.
        await this.repository.lockBalance(tx, customerId);
        const lots = expiredLots(await this.repository.openLots(tx, customerId), now);
        let points = 0;
        for (const lot of lots) {
          const balance = await this.repository.debit(tx, customerId, lot.remaining);
          if (balance === null) throw new Error(`loyalty account of ${customerId} holds less than its lot ${lot.id}`);
          await this.repository.setRemaining(tx, lot.id, 0);
          await this.record(tx, { customerId, idempotencyKey: `${SYSTEM_KEY_PREFIX}expire:${lot.id}` }, 'expire', -lot.remaining, balance, { expiresAt: null, remaining: 0 });
          points += lot.remaining;
        }
        return { lots: lots.length, points };
      });
      run.lotsExpired += expired.lots;
      run.pointsExpired += expired.points;
      if (expired.lots) run.customers++;
    }
    return run;
  }

  /** Takes points the balance covers, from the soonest-expiring lots; refuses what it does not cover. */
  private async take(tx: Transaction, customerId: string, points: number): Promise<{ balance: number }> {
    const balance = await this.repository.debit(tx, customerId, points);
    if (balance === null) {
      const current = await this.repository.balance(tx, customerId);
      throw new RpcError('CONFLICT', `the balance is ${current} points, fewer than the ${points} asked for`, [{ field: 'points', problem: `is more than the balance of ${current}` }]);
    }
    // The debit above holds the account row, so lots of this customer are changed by one transaction at a time.
    for (const change of takeFromLots(await this.repository.openLots(tx, customerId), points)) await this.repository.setRemaining(tx, change.id, change.remaining);
    return { balance };
  }

  /**
   * One ledger command: replays the first result for a known idempotency key; otherwise moves the
   * points, writes the entry and `customers.loyalty.changed` in one transaction.
   */
  private async apply(
    cmd: LedgerCommand,
    kind: LoyaltyEntryKind,
    points: number,
    move: (tx: Transaction) => Promise<{ balance: number; lot?: { expiresAt: Date | null } }>,
  ): Promise<LoyaltyChange> {
    try {
      return await this.transaction(async (tx) => {
        const customer = await this.customers.row(tx, cmd.customerId);
        if (!customer) throw new RpcError('NOT_FOUND', `no customer with id "${cmd.customerId}"`);
        const earlier = await this.repository.entryByKey(tx, cmd.customerId, cmd.idempotencyKey);
        if (earlier) return this.replay(tx, earlier, kind, points);
        if (customer.erasedAt) throw new RpcError('CONFLICT', `customer ${cmd.customerId} was erased: the ledger is closed`);
        const { balance, lot } = await move(tx);
        const entry = await this.record(tx, cmd, kind, points, balance, { expiresAt: lot?.expiresAt ?? null, remaining: lot ? points : 0 });
        return { customerId: cmd.customerId, balance, entry, replayed: false };
      });
    } catch (err) {
      // The same key sent twice at once: the second insert lost the race and rolled back; answer like a retry.
      if (!uniqueViolation(err)) throw err;
      const earlier = await this.repository.entryByKey(this.repository.db, cmd.customerId, cmd.idempotencyKey);
      if (!earlier) throw err;
      return this.replay(this.repository.db, earlier, kind, points);
    }
  }

  private async replay(tx: Queryable, earlier: LoyaltyEntryRow, kind: LoyaltyEntryKind, points: number): Promise<LoyaltyChange> {
    if (earlier.kind !== kind || earlier.points !== points) {
      throw new RpcError('CONFLICT', `idempotencyKey "${earlier.idempotencyKey}" was used for another command (${earlier.kind} ${earlier.points})`, [
        { field: 'idempotencyKey', problem: 'was already used for another command' },
      ]);
    }
    return { customerId: earlier.customerId, balance: await this.repository.balance(tx, earlier.customerId), entry: toLoyaltyEntry(earlier), replayed: true };
  }

  private async record(
    tx: Transaction,
    cmd: LedgerCommand,
    kind: LoyaltyEntryKind,
    points: number,
    balance: number,
    lot: { expiresAt: Date | null; remaining: number },
  ): Promise<LoyaltyEntry> {
    const row: LoyaltyEntryRow = {
      id: newId('lty'),
      customerId: cmd.customerId,
      kind,
      points,
      balanceAfter: balance,
      idempotencyKey: cmd.idempotencyKey,
      orderId: cmd.orderId ?? null,
      reason: cmd.reason ?? null,
      channel: cmd.channel ?? null,
      remaining: lot.remaining,
      expiresAt: lot.expiresAt,
      createdAt: new Date(),
    };
    await this.repository.insertEntry(tx, row);
    const entry = toLoyaltyEntry(row);
    await this.outbox.add<LoyaltyChangedEventData>(tx, CustomersEvents.loyaltyChanged, { customerId: cmd.customerId, balance, entry });
    return entry;
  }

  private async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const result = await this.repository.db.transaction(work);
    this.outbox.committed();
    return result;
  }
}

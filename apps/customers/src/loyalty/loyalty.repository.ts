import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, DatabaseHandle, Queryable, queryRows } from '@omnibus/service-kit';
import { and, asc, desc, eq, lt, sql } from 'drizzle-orm';
import { Lot } from './lots';
import { LoyaltyEntryRow, loyaltyAccounts, loyaltyEntries } from './loyalty.schema';

/** The only place that queries loyalty accounts and the ledger. */
@Injectable()
export class LoyaltyRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  /** Adds points (opening the account on first use); returns the new balance. */
  async credit(tx: Queryable, customerId: string, points: number): Promise<number> {
    const rows = await tx
      .insert(loyaltyAccounts)
      .values({ customerId, balance: points, updatedAt: new Date() })
      .onConflictDoUpdate({ target: loyaltyAccounts.customerId, set: { balance: sql`${loyaltyAccounts.balance} + ${points}`, updatedAt: new Date() } })
      .returning({ balance: loyaltyAccounts.balance });
    return Number(rows[0].balance);
  }

  /**
   * Takes points only while the balance covers them, in one conditional update: concurrent debits queue
   * on the row and each re-checks the balance it finds, so it never goes below zero. Null when it does not cover them.
   */
  async debit(tx: Queryable, customerId: string, points: number): Promise<number | null> {
    const rows = await tx
      .update(loyaltyAccounts)
      .set({ balance: sql`${loyaltyAccounts.balance} - ${points}`, updatedAt: new Date() })
      .where(and(eq(loyaltyAccounts.customerId, customerId), sql`${loyaltyAccounts.balance} >= ${points}`))
      .returning({ balance: loyaltyAccounts.balance });
    return rows[0] ? Number(rows[0].balance) : null;
  }

  /** The balance, locked until the transaction ends (0 without an account). */
  async lockBalance(tx: Queryable, customerId: string): Promise<number> {
    const rows = await tx.select({ balance: loyaltyAccounts.balance }).from(loyaltyAccounts).where(eq(loyaltyAccounts.customerId, customerId)).for('update');
    return rows[0] ? Number(rows[0].balance) : 0;
  }

  async balance(tx: Queryable, customerId: string): Promise<number> {
    const rows = await tx.select({ balance: loyaltyAccounts.balance }).from(loyaltyAccounts).where(eq(loyaltyAccounts.customerId, customerId));
    return rows[0] ? Number(rows[0].balance) : 0;
  }

  async entryByKey(tx: Queryable, customerId: string, idempotencyKey: string): Promise<LoyaltyEntryRow | null> {
    const rows = await tx.select().from(loyaltyEntries).where(and(eq(loyaltyEntries.customerId, customerId), eq(loyaltyEntries.idempotencyKey, idempotencyKey)));
    return rows[0] ?? null;
  }

  /** The points of a customer's entries whose idempotency key starts with `prefix`, added up. */
  async pointsOfKeysStartingWith(tx: Queryable, customerId: string, prefix: string): Promise<number> {
    const [row] = await tx
      .select({ points: sql<string>`coalesce(sum(${loyaltyEntries.points}), 0)` })
      .from(loyaltyEntries)
      .where(and(eq(loyaltyEntries.customerId, customerId), sql`left(${loyaltyEntries.idempotencyKey}, ${prefix.length}) = ${prefix}`));
    return Number(row?.points ?? 0);
  }

  async insertEntry(tx: Queryable, row: LoyaltyEntryRow): Promise<void> {
    await tx.insert(loyaltyEntries).values(row);
  }

  /** Lots with points left, locked; callers lock the account first, so lots are always locked in the same order. */
  async openLots(tx: Queryable, customerId: string): Promise<Lot[]> {
    return tx
      .select({ id: loyaltyEntries.id, remaining: loyaltyEntries.remaining, expiresAt: loyaltyEntries.expiresAt })
      .from(loyaltyEntries)
      .where(and(eq(loyaltyEntries.customerId, customerId), sql`${loyaltyEntries.remaining} > 0`))
      .orderBy(sql`${loyaltyEntries.expiresAt} asc nulls last`, asc(loyaltyEntries.id))
      .for('update');
  }

  async setRemaining(tx: Queryable, lotId: string, remaining: number): Promise<void> {
    await tx.update(loyaltyEntries).set({ remaining }).where(eq(loyaltyEntries.id, lotId));
  }

  /** Customers who hold points that expired by `now`. */
  async customersWithExpiredLots(tx: Queryable, now: Date, limit: number): Promise<string[]> {
    const rows = await queryRows<{ customer_id: string }>(
      tx,
      sql`select distinct customer_id from loyalty_entries where remaining > 0 and expires_at <= ${now.toISOString()} limit ${limit}`,
    );
    return rows.map((r) => r.customer_id);
  }

  /** Newest first, before the entry `beforeId` when given. */
  async entries(tx: Queryable, customerId: string, limit: number, beforeId?: string): Promise<LoyaltyEntryRow[]> {
    return tx
      .select()
      .from(loyaltyEntries)
      .where(and(eq(loyaltyEntries.customerId, customerId), beforeId ? lt(loyaltyEntries.id, beforeId) : undefined))
      .orderBy(desc(loyaltyEntries.id))
      .limit(limit);
  }

  /** Every entry, oldest first (export). */
  async allEntries(tx: Queryable, customerId: string): Promise<LoyaltyEntryRow[]> {
    return tx.select().from(loyaltyEntries).where(eq(loyaltyEntries.customerId, customerId)).orderBy(asc(loyaltyEntries.id));
  }

  /** Erasure keeps amounts and order references, not the free-text reasons staff wrote. */
  async forgetReasons(tx: Queryable, customerId: string): Promise<void> {
    await tx.update(loyaltyEntries).set({ reason: null }).where(eq(loyaltyEntries.customerId, customerId));
  }
}

import { Database, Outbox, Transaction } from '@omnibus/service-kit';

/** PostgreSQL error code of a failed query (drizzle wraps the driver's error in `cause`). */
export function pgErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  const code = e?.cause?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

// Deadlock detected, serialization failure: the transaction did nothing and may simply run again.
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * Runs `work` in one transaction and wakes the outbox relay after commit. Locks are taken in a fixed
 * order, so deadlocks should not happen; if PostgreSQL still reports one, the whole unit runs again.
 */
export async function inTransaction<T>(db: Database, outbox: Outbox, work: (tx: Transaction) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await db.transaction(work);
      outbox.committed();
      return result;
    } catch (err) {
      if (attempt >= attempts || !RETRYABLE.has(pgErrorCode(err) ?? '')) throw err;
    }
  }
}

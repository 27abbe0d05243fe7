import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, DatabaseHandle, Queryable } from '@omnibus/service-kit';
import { eq } from 'drizzle-orm';
import { loginThrottle } from '../customers/customers.schema';
import { ThrottleState } from './login-throttle';

/** The only place that queries the login throttle. */
@Injectable()
export class AuthRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  /**
   * The throttle state of an email, locked until the transaction ends. A first attempt creates an
   * empty state before locking it, so concurrent first attempts queue on the same row too.
   */
  async lockThrottle(tx: Queryable, emailHash: string, now: Date): Promise<ThrottleState> {
    await tx.insert(loginThrottle).values({ emailHash, failures: 0, windowStartedAt: now, lockedUntil: null }).onConflictDoNothing();
    const rows = await tx.select().from(loginThrottle).where(eq(loginThrottle.emailHash, emailHash)).for('update');
    return rows[0];
  }

  async saveThrottle(tx: Queryable, emailHash: string, state: ThrottleState): Promise<void> {
    await tx.update(loginThrottle).set(state).where(eq(loginThrottle.emailHash, emailHash));
  }

  async clearThrottle(tx: Queryable, emailHash: string): Promise<void> {
    await tx.delete(loginThrottle).where(eq(loginThrottle.emailHash, emailHash));
  }
}

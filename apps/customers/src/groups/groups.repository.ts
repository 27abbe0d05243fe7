import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, DatabaseHandle, Queryable } from '@omnibus/service-kit';
import { asc, eq } from 'drizzle-orm';
import { CustomerGroupRow, customerGroups } from './groups.schema';

/** The only place that queries customer groups. */
@Injectable()
export class GroupsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  async insert(tx: Queryable, row: CustomerGroupRow): Promise<void> {
    await tx.insert(customerGroups).values(row);
  }

  async rename(tx: Queryable, code: string, name: string): Promise<CustomerGroupRow | null> {
    const rows = await tx.update(customerGroups).set({ name, updatedAt: new Date() }).where(eq(customerGroups.code, code)).returning();
    return rows[0] ?? null;
  }

  async exists(tx: Queryable, code: string): Promise<boolean> {
    const rows = await tx.select({ code: customerGroups.code }).from(customerGroups).where(eq(customerGroups.code, code));
    return rows.length > 0;
  }

  async list(tx: Queryable): Promise<CustomerGroupRow[]> {
    return tx.select().from(customerGroups).orderBy(asc(customerGroups.code));
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { Company, CompanyMember, CompanyRole } from '@omnibus/contracts';
import { DATABASE, DatabaseHandle, Queryable, queryRows } from '@omnibus/service-kit';
import { and, eq, sql } from 'drizzle-orm';
import { CompanyMemberRow, CompanyRow, companies, companyMembers } from './companies.schema';

/** The only place that queries companies and their members. */
@Injectable()
export class CompaniesRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  async insert(tx: Queryable, row: CompanyRow): Promise<void> {
    await tx.insert(companies).values(row);
  }

  /** The company; with `forUpdate`, locked until the transaction ends. */
  async row(tx: Queryable, id: string, forUpdate = false): Promise<CompanyRow | null> {
    const query = tx.select().from(companies).where(eq(companies.id, id));
    const rows = forUpdate ? await query.for('update') : await query;
    return rows[0] ?? null;
  }

  async change(tx: Queryable, id: string, changes: Partial<CompanyRow>): Promise<CompanyRow | null> {
    const rows = await tx
      .update(companies)
      .set({ ...changes, version: sql`${companies.version} + 1`, updatedAt: new Date() })
      .where(eq(companies.id, id))
      .returning();
    return rows[0] ?? null;
  }

  /**
   * Adds the member, or changes the role of an existing member of this company. Null when the customer
   * already belongs to another company (a customer orders for one company at most).
   */
  async setMember(tx: Queryable, companyId: string, customerId: string, role: CompanyRole): Promise<CompanyMemberRow | null> {
    const rows = await tx
      .insert(companyMembers)
      .values({ companyId, customerId, role, addedAt: new Date() })
      .onConflictDoUpdate({ target: companyMembers.customerId, set: { role }, setWhere: eq(companyMembers.companyId, companyId) })
      .returning();
    return rows[0] ?? null;
  }

  async removeMember(tx: Queryable, companyId: string, customerId: string): Promise<boolean> {
    const rows = await tx
      .delete(companyMembers)
      .where(and(eq(companyMembers.companyId, companyId), eq(companyMembers.customerId, customerId)))
      .returning({ customerId: companyMembers.customerId });
    return rows.length > 0;
  }

  /** Removes the customer from whatever company they belong to (erasure). */
  async removeMemberships(tx: Queryable, customerId: string): Promise<void> {
    await tx.delete(companyMembers).where(eq(companyMembers.customerId, customerId));
  }

  async membershipOf(tx: Queryable, customerId: string): Promise<CompanyMemberRow | null> {
    const rows = await tx.select().from(companyMembers).where(eq(companyMembers.customerId, customerId));
    return rows[0] ?? null;
  }

  async memberIds(tx: Queryable, companyId: string): Promise<string[]> {
    const rows = await tx.select({ customerId: companyMembers.customerId }).from(companyMembers).where(eq(companyMembers.companyId, companyId));
    return rows.map((r) => r.customerId);
  }

  async view(tx: Queryable, id: string): Promise<Company | null> {
    const row = await this.row(tx, id);
    if (!row) return null;
    // Members with the contact fields staff needs, read from the customers they are.
    const members = await queryRows<CompanyMember & { addedAt: Date | string }>(
      tx,
      sql`select m.customer_id as "customerId", m.role, c.email, c.first_name as "firstName", c.last_name as "lastName", m.added_at as "addedAt"
          from company_members m join customers c on c.id = m.customer_id
          where m.company_id = ${id} order by m.added_at, m.customer_id`,
    );
    return toCompany(row, members.map((m) => ({ ...m, addedAt: new Date(m.addedAt).toISOString() })));
  }
}

export function toCompany(row: CompanyRow, members: CompanyMember[]): Company {
  return {
    id: row.id,
    name: row.name,
    taxId: row.taxId,
    group: row.groupCode,
    spendingLimit: row.spendingLimitAmount === null || row.spendingLimitCurrency === null ? null : { amount: Number(row.spendingLimitAmount), currency: row.spendingLimitCurrency },
    addresses: row.addresses,
    members,
    version: row.version,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

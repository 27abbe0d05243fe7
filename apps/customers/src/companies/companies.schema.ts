import type { Address, CompanyRole } from '@omnibus/contracts';
import { bigint, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors db/migrations; the SQL files are the source of truth for the database.
export const companies = pgTable('companies', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  taxId: text('tax_id').notNull().unique(),
  groupCode: text('group_code').notNull(),
  spendingLimitAmount: bigint('spending_limit_amount', { mode: 'number' }),
  spendingLimitCurrency: text('spending_limit_currency'),
  addresses: jsonb('addresses').$type<Address[]>().notNull(),
  version: integer('version').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const companyMembers = pgTable(
  'company_members',
  {
    companyId: text('company_id').notNull(),
    customerId: text('customer_id').notNull().unique(),
    role: text('role').$type<CompanyRole>().notNull(),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.customerId] })],
);

export type CompanyRow = typeof companies.$inferSelect;
export type CompanyMemberRow = typeof companyMembers.$inferSelect;

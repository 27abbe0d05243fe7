import type { AddressKind } from '@omnibus/contracts';
import { boolean, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors db/migrations; the SQL files are the source of truth for the database.
export const customers = pgTable('customers', {
  id: text('id').primaryKey(),
  email: text('email').notNull(),
  emailKey: text('email_key').notNull().unique(),
  firstName: text('first_name'),
  lastName: text('last_name'),
  phone: text('phone'),
  preferredLocale: text('preferred_locale'),
  groupCode: text('group_code').notNull(),
  channels: text('channels').array().notNull(),
  passwordHash: text('password_hash'),
  erasedAt: timestamp('erased_at', { withTimezone: true }),
  version: integer('version').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const customerAddresses = pgTable('customer_addresses', {
  id: text('id').primaryKey(),
  customerId: text('customer_id').notNull(),
  kind: text('kind').$type<AddressKind>().notNull(),
  isDefault: boolean('is_default').notNull(),
  firstName: text('first_name'),
  lastName: text('last_name'),
  company: text('company'),
  line1: text('line1').notNull(),
  line2: text('line2'),
  postalCode: text('postal_code').notNull(),
  city: text('city').notNull(),
  region: text('region'),
  country: text('country').notNull(),
  phone: text('phone'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

export const customerConsents = pgTable(
  'customer_consents',
  {
    customerId: text('customer_id').notNull(),
    purpose: text('purpose').notNull(),
    granted: boolean('granted').notNull(),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull(),
    channel: text('channel'),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.purpose] })],
);

export const customerExternalIds = pgTable(
  'customer_external_ids',
  {
    system: text('system').notNull(),
    value: text('value').notNull(),
    customerId: text('customer_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.system, t.value] })],
);

export const loginThrottle = pgTable('login_throttle', {
  emailHash: text('email_hash').primaryKey(),
  failures: integer('failures').notNull(),
  windowStartedAt: timestamp('window_started_at', { withTimezone: true }).notNull(),
  lockedUntil: timestamp('locked_until', { withTimezone: true }),
});

export type CustomerRow = typeof customers.$inferSelect;
export type AddressRow = typeof customerAddresses.$inferSelect;
export type ConsentRow = typeof customerConsents.$inferSelect;
export type ExternalIdRow = typeof customerExternalIds.$inferSelect;

import { Inject, Injectable } from '@nestjs/common';
import type { Address, Consent, ConsentInput, Customer, CustomerCompany, ExternalId, ExternalIdInput } from '@omnibus/contracts';
import { DATABASE, DatabaseHandle, Queryable, queryRows } from '@omnibus/service-kit';
import { and, asc, eq, ne, sql } from 'drizzle-orm';
import { AddressRow, CustomerRow, customerAddresses, customerConsents, customerExternalIds, customers } from './customers.schema';

/** The only place that queries the customer tables (profile, addresses, consents, external ids). */
@Injectable()
export class CustomersRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  async insert(tx: Queryable, row: CustomerRow): Promise<void> {
    await tx.insert(customers).values(row);
  }

  async row(tx: Queryable, id: string): Promise<CustomerRow | null> {
    const rows = await tx.select().from(customers).where(eq(customers.id, id));
    return rows[0] ?? null;
  }

  async rowByEmailKey(tx: Queryable, emailKey: string): Promise<CustomerRow | null> {
    const rows = await tx.select().from(customers).where(eq(customers.emailKey, emailKey));
    return rows[0] ?? null;
  }

  async idByExternalId(tx: Queryable, system: string, value: string): Promise<string | null> {
    const rows = await tx
      .select({ customerId: customerExternalIds.customerId })
      .from(customerExternalIds)
      .where(and(eq(customerExternalIds.system, system), eq(customerExternalIds.value, value)));
    return rows[0]?.customerId ?? null;
  }

  /**
   * Applies `changes` and increases the version, only while the customer is not erased (and is at
   * `expectedVersion` when given). The row stays locked until the transaction ends, which serialises
   * every change of one customer. Null when the condition does not hold.
   */
  async change(tx: Queryable, id: string, changes: Partial<CustomerRow>, expectedVersion?: number): Promise<CustomerRow | null> {
    const rows = await tx
      .update(customers)
      .set({ ...changes, version: sql`${customers.version} + 1`, updatedAt: new Date() })
      .where(and(eq(customers.id, id), sql`${customers.erasedAt} is null`, expectedVersion === undefined ? undefined : eq(customers.version, expectedVersion)))
      .returning();
    return rows[0] ?? null;
  }

  /** Adds `channel` to the channels the customer used; null when it was there already (nothing changed). */
  async addChannel(tx: Queryable, id: string, channel: string): Promise<CustomerRow | null> {
    const rows = await tx
      .update(customers)
      .set({ channels: sql`array_append(${customers.channels}, ${channel})`, version: sql`${customers.version} + 1`, updatedAt: new Date() })
      .where(and(eq(customers.id, id), sql`${customers.erasedAt} is null`, sql`not (${channel} = any(${customers.channels}))`))
      .returning();
    return rows[0] ?? null;
  }

  async setPasswordHash(tx: Queryable, id: string, passwordHash: string): Promise<void> {
    await tx.update(customers).set({ passwordHash, updatedAt: new Date() }).where(eq(customers.id, id));
  }

  // ------------------------------------------------------------ addresses

  async addresses(tx: Queryable, customerId: string): Promise<AddressRow[]> {
    return tx.select().from(customerAddresses).where(eq(customerAddresses.customerId, customerId)).orderBy(asc(customerAddresses.id));
  }

  async insertAddress(tx: Queryable, row: AddressRow): Promise<void> {
    await tx.insert(customerAddresses).values(row);
  }

  /** Replaces an address of this customer; null when the customer has no such address. */
  async replaceAddress(tx: Queryable, customerId: string, row: Omit<AddressRow, 'createdAt'>): Promise<AddressRow | null> {
    const rows = await tx
      .update(customerAddresses)
      .set(row)
      .where(and(eq(customerAddresses.id, row.id), eq(customerAddresses.customerId, customerId)))
      .returning();
    return rows[0] ?? null;
  }

  async deleteAddress(tx: Queryable, customerId: string, addressId: string): Promise<boolean> {
    const rows = await tx
      .delete(customerAddresses)
      .where(and(eq(customerAddresses.id, addressId), eq(customerAddresses.customerId, customerId)))
      .returning({ id: customerAddresses.id });
    return rows.length > 0;
  }

  /** Unsets the default of this kind (except on `keepId`), so a new default can be set. */
  async clearDefault(tx: Queryable, customerId: string, kind: AddressRow['kind'], keepId?: string): Promise<void> {
    await tx
      .update(customerAddresses)
      .set({ isDefault: false })
      .where(and(eq(customerAddresses.customerId, customerId), eq(customerAddresses.kind, kind), eq(customerAddresses.isDefault, true), keepId ? ne(customerAddresses.id, keepId) : undefined));
  }

  async deleteAddresses(tx: Queryable, customerId: string): Promise<void> {
    await tx.delete(customerAddresses).where(eq(customerAddresses.customerId, customerId));
  }

  // ------------------------------------------------------------ consents and external ids

  async upsertConsents(tx: Queryable, customerId: string, consents: ConsentInput[], changedAt: Date, channel: string | null): Promise<void> {
    if (!consents.length) return;
    await tx
      .insert(customerConsents)
      .values(consents.map((c) => ({ customerId, purpose: c.purpose, granted: c.granted, changedAt, channel })))
      .onConflictDoUpdate({
        target: [customerConsents.customerId, customerConsents.purpose],
        set: { granted: sql`excluded.granted`, changedAt: sql`excluded.changed_at`, channel: sql`excluded.channel` },
      });
  }

  async deleteConsents(tx: Queryable, customerId: string): Promise<void> {
    await tx.delete(customerConsents).where(eq(customerConsents.customerId, customerId));
  }

  async replaceExternalIds(tx: Queryable, customerId: string, ids: ExternalIdInput[], now: Date): Promise<void> {
    await tx.delete(customerExternalIds).where(eq(customerExternalIds.customerId, customerId));
    if (ids.length) await tx.insert(customerExternalIds).values(ids.map((e) => ({ customerId, system: e.system, value: e.value, createdAt: now })));
  }

  // ------------------------------------------------------------ erasure

  /** Replaces every personal field; keeps the id, group, channels and timestamps. */
  async anonymize(tx: Queryable, id: string, erasedAt: Date): Promise<CustomerRow | null> {
    const placeholder = `erased+${id}@erased.invalid`;
    const rows = await tx
      .update(customers)
      .set({
        email: placeholder,
        emailKey: placeholder,
        firstName: null,
        lastName: null,
        phone: null,
        preferredLocale: null,
        passwordHash: null,
        erasedAt,
        version: sql`${customers.version} + 1`,
        updatedAt: erasedAt,
      })
      .where(and(eq(customers.id, id), sql`${customers.erasedAt} is null`))
      .returning();
    return rows[0] ?? null;
  }

  /**
   * Deletes the outbox events about this customer (profile and loyalty), published or not: after
   * erasure the database keeps no copy of their data. Consumers that had them get `customers.customer.erased`;
   * one not yet published is withdrawn, which is harmless since the customer is gone.
   */
  async forgetEvents(tx: Queryable, customerId: string): Promise<void> {
    await tx.execute(sql`delete from outbox where envelope -> 'data' -> 'customer' ->> 'id' = ${customerId} or envelope -> 'data' ->> 'customerId' = ${customerId}`);
  }

  // ------------------------------------------------------------ the customer as the API shows it

  /**
   * The customer with addresses, consents, external ids and company, in one statement (a hot read:
   * every storefront page of a logged-in customer). Never selects the password hash, only whether there is one.
   */
  async view(tx: Queryable, id: string): Promise<Customer | null> {
    const rows = await queryRows<CustomerViewRow>(
      tx,
      sql`select c.id, c.email, c.first_name, c.last_name, c.phone, c.preferred_locale, c.group_code, c.channels,
            c.password_hash is not null as has_password, c.erased_at, c.version, c.created_at, c.updated_at,
            coalesce((select json_agg(json_build_object(
                'id', a.id, 'kind', a.kind, 'isDefault', a.is_default, 'firstName', a.first_name, 'lastName', a.last_name,
                'company', a.company, 'line1', a.line1, 'line2', a.line2, 'postalCode', a.postal_code, 'city', a.city,
                'region', a.region, 'country', a.country, 'phone', a.phone) order by a.id)
              from customer_addresses a where a.customer_id = c.id), '[]'::json) as addresses,
            coalesce((select json_agg(json_build_object('purpose', s.purpose, 'granted', s.granted, 'changedAt', s.changed_at, 'channel', s.channel) order by s.purpose)
              from customer_consents s where s.customer_id = c.id), '[]'::json) as consents,
            coalesce((select json_agg(json_build_object('system', e.system, 'value', e.value) order by e.system)
              from customer_external_ids e where e.customer_id = c.id), '[]'::json) as external_ids,
            (select json_build_object('id', co.id, 'name', co.name, 'role', m.role, 'group', co.group_code)
              from company_members m join companies co on co.id = m.company_id where m.customer_id = c.id) as company
          from customers c where c.id = ${id}`,
    );
    return rows[0] ? toCustomer(rows[0]) : null;
  }
}

/** A row of `view`: the customer's columns and its lists as JSON. */
interface CustomerViewRow {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  preferred_locale: string | null;
  group_code: string;
  channels: string[];
  has_password: boolean;
  erased_at: Date | string | null;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
  addresses: Address[] | string;
  consents: (Omit<Consent, 'changedAt'> & { changedAt: string })[] | string;
  external_ids: ExternalId[] | string;
  company: CustomerCompany | string | null;
}

/** Drivers hand JSON columns back parsed (pg) or, in some set-ups, as text. */
function json<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

const iso = (value: Date | string) => new Date(value).toISOString();

/** The public shape of a customer: every field but the password hash, which never leaves this service. */
export function toCustomer(row: CustomerViewRow): Customer {
  const company = row.company === null ? null : json(row.company);
  return {
    id: row.id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    phone: row.phone,
    preferredLocale: row.preferred_locale,
    group: row.group_code,
    pricingGroup: company?.group ?? row.group_code,
    channels: row.channels,
    addresses: json(row.addresses),
    consents: json(row.consents).map((c) => ({ ...c, changedAt: iso(c.changedAt) })),
    externalIds: json(row.external_ids),
    company,
    hasPassword: row.has_password,
    erasedAt: row.erased_at ? iso(row.erased_at) : null,
    version: row.version,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

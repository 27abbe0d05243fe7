import { Inject, Injectable } from '@nestjs/common';
import {
  AddAddressRequest,
  AddressInput,
  CreateCustomerRequest,
  Customer,
  CustomerChangedEventData,
  CustomersEvents,
  ExternalIdInput,
  GetCustomerRequest,
  RecordChannelRequest,
  RemoveAddressRequest,
  ReplaceAddressRequest,
  UpdateCustomerRequest,
  newId,
} from '@omnibus/contracts';
import { Outbox, Queryable, RpcError, Transaction } from '@omnibus/service-kit';
import { uniqueViolation } from '../db/unique-violation';
import { GroupsRepository } from '../groups/groups.repository';
import { AddressRow, CustomerRow } from './customers.schema';
import { CustomersRepository } from './customers.repository';

/** Most addresses one customer keeps. */
export const MAX_ADDRESSES = 20;

/** The key that makes emails unique whatever their case. */
export function emailKeyOf(email: string): string {
  return email.trim().toLowerCase();
}

/** A profile to create: what sign-up, staff and imports give. */
export interface NewCustomer {
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  phone?: string | null;
  preferredLocale?: string | null;
  group?: string;
  consents?: { purpose: string; granted: boolean }[];
  externalIds?: ExternalIdInput[];
  channel?: string;
  passwordHash?: string | null;
}

/** Maps a unique violation of the customer tables to a conflict naming the field; rethrows anything else. */
export function customerConflict(err: unknown, input: { externalIds?: ExternalIdInput[] }): never {
  const violation = uniqueViolation(err);
  if (violation) {
    const text = `${violation.constraint} ${violation.detail}`;
    if (text.includes('email_key')) throw new RpcError('CONFLICT', 'a customer with this email already exists', [{ field: 'email', problem: 'is already registered' }]);
    if (text.includes('customer_external_ids')) {
      const value = /\(system, value\)=\(([^,]*), ([^)]*)\)/.exec(text);
      const index = input.externalIds?.findIndex((e) => value && e.system === value[1] && e.value === value[2]) ?? -1;
      throw new RpcError('CONFLICT', 'an external id is already linked to another customer', [
        { field: index >= 0 ? `externalIds.${index}.value` : 'externalIds', problem: 'is already linked to another customer' },
      ]);
    }
  }
  throw err;
}

/** Customer profiles: every change in one transaction with its `customers.customer.*` event in the outbox. */
@Injectable()
export class CustomersService {
  constructor(
    private readonly repository: CustomersRepository,
    private readonly groups: GroupsRepository,
    @Inject(Outbox) private readonly outbox: Outbox,
  ) {}

  create(req: CreateCustomerRequest): Promise<Customer> {
    return this.transaction(req, (tx) => this.insert(tx, req));
  }

  /** Inserts a customer and its `created` event in `tx`; used by staff creation and by sign-up. */
  async insert(tx: Transaction, input: NewCustomer): Promise<Customer> {
    const group = input.group ?? 'retail';
    await this.requireGroup(tx, group);
    const now = new Date();
    const row: CustomerRow = {
      id: newId('cus'),
      email: input.email.trim(),
      emailKey: emailKeyOf(input.email),
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      phone: input.phone ?? null,
      preferredLocale: input.preferredLocale ?? null,
      groupCode: group,
      channels: input.channel ? [input.channel] : [],
      passwordHash: input.passwordHash ?? null,
      erasedAt: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    await this.repository.insert(tx, row);
    await this.repository.upsertConsents(tx, row.id, input.consents ?? [], now, input.channel ?? null);
    if (input.externalIds?.length) await this.repository.replaceExternalIds(tx, row.id, input.externalIds, now);
    const customer = await this.view(tx, row.id);
    await this.outbox.add<CustomerChangedEventData>(tx, CustomersEvents.customerCreated, { customer });
    return customer;
  }

  async get(req: GetCustomerRequest): Promise<Customer> {
    const byExternal = req.externalSystem !== undefined || req.externalId !== undefined;
    const given = [req.id !== undefined, req.email !== undefined, byExternal].filter(Boolean).length;
    if (given !== 1) throw new RpcError('VALIDATION', 'give exactly one of id, email, or externalSystem with externalId', [{ field: 'id', problem: 'give exactly one of id, email, or externalSystem with externalId' }]);
    if (byExternal && (!req.externalSystem || !req.externalId)) {
      const field = req.externalSystem ? 'externalId' : 'externalSystem';
      throw new RpcError('VALIDATION', `${field} is required with ${field === 'externalId' ? 'externalSystem' : 'externalId'}`, [{ field, problem: 'is required' }]);
    }
    const db = this.repository.db;
    let id: string | null | undefined = req.id;
    if (req.email !== undefined) id = (await this.repository.rowByEmailKey(db, emailKeyOf(req.email)))?.id;
    if (req.externalSystem && req.externalId) id = await this.repository.idByExternalId(db, req.externalSystem, req.externalId);
    const customer = id ? await this.repository.view(db, id) : null;
    if (!customer) throw new RpcError('NOT_FOUND', req.id ? `no customer with id "${req.id}"` : req.email !== undefined ? 'no customer with this email' : `no customer with ${req.externalSystem} id "${req.externalId}"`);
    return customer;
  }

  update(req: UpdateCustomerRequest): Promise<Customer> {
    const { changes } = req;
    return this.transaction(changes, async (tx) => {
      const set: Partial<CustomerRow> = {};
      if (changes.email !== undefined) {
        set.email = changes.email.trim();
        set.emailKey = emailKeyOf(changes.email);
      }
      if (changes.firstName !== undefined) set.firstName = changes.firstName;
      if (changes.lastName !== undefined) set.lastName = changes.lastName;
      if (changes.phone !== undefined) set.phone = changes.phone;
      if (changes.preferredLocale !== undefined) set.preferredLocale = changes.preferredLocale;
      if (changes.group !== undefined) {
        await this.requireGroup(tx, changes.group);
        set.groupCode = changes.group;
      }
      const row = await this.repository.change(tx, req.id, set, req.expectedVersion);
      if (!row) throw await this.missingErasedOrStale(tx, req.id, req.expectedVersion);
      const now = new Date();
      if (changes.consents) await this.repository.upsertConsents(tx, req.id, changes.consents, now, req.channel ?? null);
      if (changes.externalIds) await this.repository.replaceExternalIds(tx, req.id, changes.externalIds, now);
      return this.emitUpdated(tx, req.id);
    });
  }

  /** Records a channel the customer used; emits `updated` only when the channel is new. */
  recordChannel(req: RecordChannelRequest): Promise<Customer> {
    return this.transaction({}, (tx) => this.recordChannelIn(tx, req.id, req.channel));
  }

  async recordChannelIn(tx: Transaction, id: string, channel: string): Promise<Customer> {
    const row = await this.repository.addChannel(tx, id, channel);
    return row ? this.emitUpdated(tx, id) : this.view(tx, id);
  }

  addAddress(req: AddAddressRequest): Promise<Customer> {
    return this.transaction({}, async (tx) => {
      await this.lock(tx, req.customerId);
      const existing = await this.repository.addresses(tx, req.customerId);
      if (existing.length >= MAX_ADDRESSES) throw new RpcError('CONFLICT', `a customer keeps at most ${MAX_ADDRESSES} addresses: remove one first`, [{ field: 'address', problem: `would be address number ${MAX_ADDRESSES + 1}` }]);
      const row = { ...addressRow(newId('adr'), req.customerId, req.address), createdAt: new Date() };
      // The first address of a kind becomes its default.
      if (!existing.some((a) => a.kind === row.kind)) row.isDefault = true;
      if (row.isDefault) await this.repository.clearDefault(tx, req.customerId, row.kind);
      await this.repository.insertAddress(tx, row);
      return this.emitUpdated(tx, req.customerId);
    });
  }

  replaceAddress(req: ReplaceAddressRequest): Promise<Customer> {
    return this.transaction({}, async (tx) => {
      await this.lock(tx, req.customerId);
      const row = addressRow(req.addressId, req.customerId, req.address);
      if (row.isDefault) await this.repository.clearDefault(tx, req.customerId, row.kind, row.id);
      // Only this customer's addresses match: another customer's address id is simply not found.
      if (!(await this.repository.replaceAddress(tx, req.customerId, row))) throw new RpcError('NOT_FOUND', `you have no address ${req.addressId}`);
      return this.emitUpdated(tx, req.customerId);
    });
  }

  removeAddress(req: RemoveAddressRequest): Promise<Customer> {
    return this.transaction({}, async (tx) => {
      await this.lock(tx, req.customerId);
      if (!(await this.repository.deleteAddress(tx, req.customerId, req.addressId))) throw new RpcError('NOT_FOUND', `you have no address ${req.addressId}`);
      return this.emitUpdated(tx, req.customerId);
    });
  }

  /** The customer as the API shows it; NOT_FOUND when there is none. */
  async view(tx: Queryable, id: string): Promise<Customer> {
    const customer = await this.repository.view(tx, id);
    if (!customer) throw new RpcError('NOT_FOUND', `no customer with id "${id}"`);
    return customer;
  }

  /** Loads the customer's new state and writes `customers.customer.updated` in `tx`. */
  async emitUpdated(tx: Transaction, id: string): Promise<Customer> {
    const customer = await this.view(tx, id);
    await this.outbox.add<CustomerChangedEventData>(tx, CustomersEvents.customerUpdated, { customer });
    return customer;
  }

  /** Increases the version and locks the customer for the rest of `tx`; refuses missing and erased customers. */
  async lock(tx: Transaction, id: string): Promise<CustomerRow> {
    const row = await this.repository.change(tx, id, {});
    if (!row) throw await this.missingErasedOrStale(tx, id);
    return row;
  }

  async missingErasedOrStale(tx: Transaction, id: string, expected?: number): Promise<RpcError> {
    const row = await this.repository.row(tx, id);
    if (!row) return new RpcError('NOT_FOUND', `no customer with id "${id}"`);
    if (row.erasedAt) return new RpcError('CONFLICT', `customer ${id} was erased and cannot change`);
    return new RpcError('VERSION_CONFLICT', `customer ${id} is at version ${row.version}, not ${expected}: read it again and retry`, [
      { field: 'version', problem: `is ${expected} but the customer is at version ${row.version}` },
    ]);
  }

  async requireGroup(tx: Transaction, code: string, field = 'group'): Promise<void> {
    if (!(await this.groups.exists(tx, code))) throw new RpcError('VALIDATION', `${field}: "${code}" is not a customer group`, [{ field, problem: `"${code}" is not a customer group` }]);
  }

  /** Runs `work` in a transaction, maps unique violations, and wakes the outbox relay after commit. */
  async transaction<T>(input: { externalIds?: ExternalIdInput[] }, work: (tx: Transaction) => Promise<T>): Promise<T> {
    try {
      const result = await this.repository.db.transaction(work);
      this.outbox.committed();
      return result;
    } catch (err) {
      if (err instanceof RpcError) throw err;
      customerConflict(err, input);
    }
  }
}

function addressRow(id: string, customerId: string, a: AddressInput): Omit<AddressRow, 'createdAt'> {
  return {
    id,
    customerId,
    kind: a.kind,
    isDefault: a.isDefault ?? false,
    firstName: a.firstName ?? null,
    lastName: a.lastName ?? null,
    company: a.company ?? null,
    line1: a.line1,
    line2: a.line2 ?? null,
    postalCode: a.postalCode,
    city: a.city,
    region: a.region ?? null,
    country: a.country.toUpperCase(),
    phone: a.phone ?? null,
  };
}

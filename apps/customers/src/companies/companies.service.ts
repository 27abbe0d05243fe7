import { Injectable } from '@nestjs/common';
import {
  Address,
  AddressInput,
  AuthorizeCompanyOrderRequest,
  Company,
  CompanyOrderAuthorization,
  CreateCompanyRequest,
  GetCompanyRequest,
  RemoveCompanyMemberRequest,
  SetCompanyMemberRequest,
  UpdateCompanyRequest,
  newId,
} from '@omnibus/contracts';
import { Queryable, RpcError, Transaction } from '@omnibus/service-kit';
import { CustomersService } from '../customers/customers.service';
import { uniqueViolation } from '../db/unique-violation';
import { CompanyRow } from './companies.schema';
import { CompaniesRepository, toCompany } from './companies.repository';
import { decideCompanyOrder } from './company-orders';

function toAddresses(inputs: AddressInput[]): Address[] {
  return inputs.map((a) => ({
    id: newId('adr'),
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
  }));
}

/**
 * B2B companies and their members. A membership is part of the member's customer view (company,
 * pricing group), so changing one writes `customers.customer.updated` for that member.
 */
@Injectable()
export class CompaniesService {
  constructor(
    private readonly repository: CompaniesRepository,
    private readonly customers: CustomersService,
  ) {}

  create(req: CreateCompanyRequest): Promise<Company> {
    return this.transaction(async (tx) => {
      const group = req.group ?? 'wholesale';
      await this.customers.requireGroup(tx, group);
      const now = new Date();
      const row: CompanyRow = {
        id: newId('cmp'),
        name: req.name,
        taxId: req.taxId,
        groupCode: group,
        spendingLimitAmount: req.spendingLimit?.amount ?? null,
        spendingLimitCurrency: req.spendingLimit?.currency ?? null,
        addresses: toAddresses(req.addresses ?? []),
        version: 1,
        createdAt: now,
        updatedAt: now,
      };
      await this.repository.insert(tx, row);
      return this.view(tx, row.id);
    });
  }

  update(req: UpdateCompanyRequest): Promise<Company> {
    const { changes } = req;
    return this.transaction(async (tx) => {
      const set: Partial<CompanyRow> = {};
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.taxId !== undefined) set.taxId = changes.taxId;
      if (changes.group !== undefined) {
        await this.customers.requireGroup(tx, changes.group);
        set.groupCode = changes.group;
      }
      if (changes.spendingLimit !== undefined) {
        set.spendingLimitAmount = changes.spendingLimit?.amount ?? null;
        set.spendingLimitCurrency = changes.spendingLimit?.currency ?? null;
      }
      if (changes.addresses !== undefined) set.addresses = toAddresses(changes.addresses);
      const before = await this.repository.row(tx, req.id, true);
      if (!before) throw new RpcError('NOT_FOUND', `no company with id "${req.id}"`);
      if (req.expectedVersion !== undefined && req.expectedVersion !== before.version) {
        throw new RpcError('VERSION_CONFLICT', `company ${req.id} is at version ${before.version}, not ${req.expectedVersion}: read it again and retry`, [
          { field: 'version', problem: `is ${req.expectedVersion} but the company is at version ${before.version}` },
        ]);
      }
      await this.repository.change(tx, req.id, set);
      // Members price with the company's group: they learn of a new one through their own event.
      if (set.groupCode !== undefined && set.groupCode !== before.groupCode) {
        for (const customerId of await this.repository.memberIds(tx, req.id)) {
          await this.customers.lock(tx, customerId);
          await this.customers.emitUpdated(tx, customerId);
        }
      }
      return this.view(tx, req.id);
    });
  }

  get(req: GetCompanyRequest): Promise<Company> {
    return this.view(this.repository.db, req.id);
  }

  private async view(tx: Queryable, id: string): Promise<Company> {
    const company = await this.repository.view(tx, id);
    if (!company) throw new RpcError('NOT_FOUND', `no company with id "${id}"`);
    return company;
  }

  setMember(req: SetCompanyMemberRequest): Promise<Company> {
    return this.transaction(async (tx) => {
      if (!(await this.repository.row(tx, req.companyId))) throw new RpcError('NOT_FOUND', `no company with id "${req.companyId}"`);
      await this.customers.lock(tx, req.customerId);
      const member = await this.repository.setMember(tx, req.companyId, req.customerId, req.role);
      if (!member) throw new RpcError('CONFLICT', `customer ${req.customerId} already belongs to another company`, [{ field: 'customerId', problem: 'already belongs to another company' }]);
      await this.customers.emitUpdated(tx, req.customerId);
      return this.view(tx, req.companyId);
    });
  }

  removeMember(req: RemoveCompanyMemberRequest): Promise<Company> {
    return this.transaction(async (tx) => {
      if (!(await this.repository.removeMember(tx, req.companyId, req.customerId))) throw new RpcError('NOT_FOUND', `customer ${req.customerId} is not a member of company ${req.companyId}`);
      await this.customers.lock(tx, req.customerId);
      await this.customers.emitUpdated(tx, req.customerId);
      return this.view(tx, req.companyId);
    });
  }

  /** The orders saga's check before a member orders for the company; a refusal is an answer, not an error. */
  async authorizeOrder(req: AuthorizeCompanyOrderRequest): Promise<CompanyOrderAuthorization> {
    const db = this.repository.db;
    const membership = await this.repository.membershipOf(db, req.customerId);
    const companyId = req.companyId ?? membership?.companyId;
    const row = companyId ? await this.repository.row(db, companyId) : null;
    const company = row ? { id: row.id, spendingLimit: toCompany(row, []).spendingLimit } : null;
    const role = membership && membership.companyId === companyId ? membership.role : null;
    const decision = decideCompanyOrder({ customerId: req.customerId, amount: req.amount, company, role });
    if (!companyId) return { ...decision, reason: 'not-a-member', message: `customer ${req.customerId} is not a member of any company` };
    return decision;
  }

  /** Runs `work` in a transaction, maps unique violations, and wakes the outbox relay after commit. */
  private async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    try {
      return await this.customers.transaction({}, work);
    } catch (err) {
      if (uniqueViolation(err)?.constraint.includes('tax_id') || uniqueViolation(err)?.detail.includes('tax_id')) {
        throw new RpcError('CONFLICT', 'another company has this tax id', [{ field: 'taxId', problem: 'is already used by another company' }]);
      }
      throw err;
    }
  }
}

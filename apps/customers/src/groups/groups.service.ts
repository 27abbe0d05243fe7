import { Injectable } from '@nestjs/common';
import { CreateCustomerGroupRequest, CustomerGroup, CustomerGroupList, UpdateCustomerGroupRequest } from '@omnibus/contracts';
import { RpcError } from '@omnibus/service-kit';
import { uniqueViolation } from '../db/unique-violation';
import { CustomerGroupRow } from './groups.schema';
import { GroupsRepository } from './groups.repository';

function toGroup(row: CustomerGroupRow): CustomerGroup {
  return { code: row.code, name: row.name, createdAt: new Date(row.createdAt).toISOString(), updatedAt: new Date(row.updatedAt).toISOString() };
}

/** Customer groups (retail, vip, wholesale…): plain data that pricing's group prices refer to by code. */
@Injectable()
export class GroupsService {
  constructor(private readonly repository: GroupsRepository) {}

  async create(req: CreateCustomerGroupRequest): Promise<CustomerGroup> {
    const now = new Date();
    const row: CustomerGroupRow = { code: req.code, name: req.name, createdAt: now, updatedAt: now };
    try {
      await this.repository.insert(this.repository.db, row);
    } catch (err) {
      if (uniqueViolation(err)) throw new RpcError('CONFLICT', `customer group "${req.code}" already exists`, [{ field: 'code', problem: 'is already used by another group' }]);
      throw err;
    }
    return toGroup(row);
  }

  async update(req: UpdateCustomerGroupRequest): Promise<CustomerGroup> {
    const row = await this.repository.rename(this.repository.db, req.code, req.name);
    if (!row) throw new RpcError('NOT_FOUND', `no customer group "${req.code}"`);
    return toGroup(row);
  }

  async list(): Promise<CustomerGroupList> {
    return { items: (await this.repository.list(this.repository.db)).map(toGroup) };
  }
}

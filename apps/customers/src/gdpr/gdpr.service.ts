import { Inject, Injectable } from '@nestjs/common';
import { Customer, CustomerErasedEventData, CustomerExport, CustomersEvents, EraseCustomerRequest, ExportCustomerRequest } from '@omnibus/contracts';
import { Outbox, RpcError } from '@omnibus/service-kit';
import { AuthRepository } from '../auth/auth.repository';
import { emailHashOf } from '../auth/auth.service';
import { CompaniesRepository } from '../companies/companies.repository';
import { CustomersRepository } from '../customers/customers.repository';
import { CustomersService } from '../customers/customers.service';
import { LoyaltyRepository } from '../loyalty/loyalty.repository';
import { toLoyaltyEntry } from '../loyalty/loyalty.service';

/** GDPR basics: everything held about a customer, and erasure that keeps only anonymous amounts and order references. */
@Injectable()
export class GdprService {
  constructor(
    private readonly customers: CustomersRepository,
    private readonly profiles: CustomersService,
    private readonly companies: CompaniesRepository,
    private readonly loyalty: LoyaltyRepository,
    private readonly auth: AuthRepository,
    @Inject(Outbox) private readonly outbox: Outbox,
  ) {}

  /** Profile, addresses, consents, external ids, channels, company membership, and the whole loyalty ledger. */
  async export(req: ExportCustomerRequest): Promise<CustomerExport> {
    // One snapshot: the profile and the ledger as they were at the same moment.
    return this.customers.db.transaction(async (tx) => {
      const customer = await this.customers.view(tx, req.id);
      if (!customer) throw new RpcError('NOT_FOUND', `no customer with id "${req.id}"`);
      const entries = await this.loyalty.allEntries(tx, req.id);
      return { exportedAt: new Date().toISOString(), customer, loyalty: { balance: await this.loyalty.balance(tx, req.id), entries: entries.map(toLoyaltyEntry) } };
    });
  }

  /**
   * Replaces the personal fields, deletes addresses, consents, external ids, company membership, the
   * password and the outbox events that carried their data; keeps the id and the ledger's amounts and
   * order ids. Erasing twice changes nothing and emits nothing.
   */
  async erase(req: EraseCustomerRequest): Promise<Customer> {
    const customer = await this.customers.db.transaction(async (tx) => {
      const before = await this.customers.row(tx, req.id);
      if (!before) throw new RpcError('NOT_FOUND', `no customer with id "${req.id}"`);
      const erasedAt = new Date();
      const erased = await this.customers.anonymize(tx, req.id, erasedAt);
      if (!erased) return await this.profiles.view(tx, req.id); // erased already
      await this.customers.deleteAddresses(tx, req.id);
      await this.customers.deleteConsents(tx, req.id);
      await this.customers.replaceExternalIds(tx, req.id, [], erasedAt);
      await this.companies.removeMemberships(tx, req.id);
      await this.loyalty.forgetReasons(tx, req.id);
      await this.auth.clearThrottle(tx, emailHashOf(before.email));
      await this.customers.forgetEvents(tx, req.id);
      await this.outbox.add<CustomerErasedEventData>(tx, CustomersEvents.customerErased, { customerId: req.id, erasedAt: erasedAt.toISOString(), version: erased.version });
      return await this.profiles.view(tx, req.id);
    });
    this.outbox.committed();
    return customer;
  }
}

import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AuthorizeCompanyOrderRequest,
  CreateCompanyRequest,
  CustomersSubjects,
  GetCompanyRequest,
  RemoveCompanyMemberRequest,
  SetCompanyMemberRequest,
  UpdateCompanyRequest,
} from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { CompaniesService } from './companies.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class CompaniesController {
  constructor(private readonly companies: CompaniesService) {}

  @MessagePattern(CustomersSubjects.createCompany)
  create(@Payload() req: CreateCompanyRequest) {
    return this.companies.create(req);
  }

  @MessagePattern(CustomersSubjects.updateCompany)
  update(@Payload() req: UpdateCompanyRequest) {
    return this.companies.update(req);
  }

  @MessagePattern(CustomersSubjects.getCompany)
  get(@Payload() req: GetCompanyRequest) {
    return this.companies.get(req);
  }

  @MessagePattern(CustomersSubjects.setCompanyMember)
  setMember(@Payload() req: SetCompanyMemberRequest) {
    return this.companies.setMember(req);
  }

  @MessagePattern(CustomersSubjects.removeCompanyMember)
  removeMember(@Payload() req: RemoveCompanyMemberRequest) {
    return this.companies.removeMember(req);
  }

  @MessagePattern(CustomersSubjects.authorizeCompanyOrder)
  authorizeOrder(@Payload() req: AuthorizeCompanyOrderRequest) {
    return this.companies.authorizeOrder(req);
  }
}

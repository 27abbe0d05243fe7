import { MessagePattern, Payload } from '@nestjs/microservices';
import { CreateCustomerGroupRequest, CustomersSubjects, ListCustomerGroupsRequest, UpdateCustomerGroupRequest } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { GroupsService } from './groups.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class GroupsController {
  constructor(private readonly groups: GroupsService) {}

  @MessagePattern(CustomersSubjects.createGroup)
  create(@Payload() req: CreateCustomerGroupRequest) {
    return this.groups.create(req);
  }

  @MessagePattern(CustomersSubjects.updateGroup)
  update(@Payload() req: UpdateCustomerGroupRequest) {
    return this.groups.update(req);
  }

  @MessagePattern(CustomersSubjects.listGroups)
  list(@Payload() _req: ListCustomerGroupsRequest) {
    return this.groups.list();
  }
}

import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AddAddressRequest,
  CreateCustomerRequest,
  CustomersSubjects,
  GetCustomerRequest,
  RecordChannelRequest,
  RemoveAddressRequest,
  ReplaceAddressRequest,
  UpdateCustomerRequest,
} from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { CustomersService } from './customers.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @MessagePattern(CustomersSubjects.createCustomer)
  create(@Payload() req: CreateCustomerRequest) {
    return this.customers.create(req);
  }

  @MessagePattern(CustomersSubjects.getCustomer)
  get(@Payload() req: GetCustomerRequest) {
    return this.customers.get(req);
  }

  @MessagePattern(CustomersSubjects.updateCustomer)
  update(@Payload() req: UpdateCustomerRequest) {
    return this.customers.update(req);
  }

  @MessagePattern(CustomersSubjects.recordChannel)
  recordChannel(@Payload() req: RecordChannelRequest) {
    return this.customers.recordChannel(req);
  }

  @MessagePattern(CustomersSubjects.addAddress)
  addAddress(@Payload() req: AddAddressRequest) {
    return this.customers.addAddress(req);
  }

  @MessagePattern(CustomersSubjects.replaceAddress)
  replaceAddress(@Payload() req: ReplaceAddressRequest) {
    return this.customers.replaceAddress(req);
  }

  @MessagePattern(CustomersSubjects.removeAddress)
  removeAddress(@Payload() req: RemoveAddressRequest) {
    return this.customers.removeAddress(req);
  }
}

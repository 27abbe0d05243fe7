import { MessagePattern, Payload } from '@nestjs/microservices';
import { CustomersSubjects, EraseCustomerRequest, ExportCustomerRequest } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { GdprService } from './gdpr.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class GdprController {
  constructor(private readonly gdpr: GdprService) {}

  @MessagePattern(CustomersSubjects.exportCustomer)
  export(@Payload() req: ExportCustomerRequest) {
    return this.gdpr.export(req);
  }

  @MessagePattern(CustomersSubjects.eraseCustomer)
  erase(@Payload() req: EraseCustomerRequest) {
    return this.gdpr.erase(req);
  }
}

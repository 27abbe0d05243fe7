import { MessagePattern, Payload } from '@nestjs/microservices';
import { ContentSubjects, DeliverEntriesRequest, DeliverEntryRequest, PreviewEntryRequest } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { DeliveryService } from './delivery.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class DeliveryController {
  constructor(private readonly delivery: DeliveryService) {}

  @MessagePattern(ContentSubjects.deliverEntry)
  get(@Payload() req: DeliverEntryRequest) {
    return this.delivery.get(req);
  }

  @MessagePattern(ContentSubjects.deliverEntries)
  list(@Payload() req: DeliverEntriesRequest) {
    return this.delivery.list(req);
  }

  @MessagePattern(ContentSubjects.previewEntry)
  preview(@Payload() req: PreviewEntryRequest) {
    return this.delivery.preview(req);
  }
}

import { MessagePattern, Payload } from '@nestjs/microservices';
import { BatchAvailabilityRequest, GetAvailabilityRequest, InventorySubjects, PickupAvailabilityRequest } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { AvailabilityService } from './availability.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class AvailabilityController {
  constructor(private readonly availability: AvailabilityService) {}

  @MessagePattern(InventorySubjects.getAvailability)
  get(@Payload() req: GetAvailabilityRequest) {
    return this.availability.get(req);
  }

  @MessagePattern(InventorySubjects.batchAvailability)
  batch(@Payload() req: BatchAvailabilityRequest) {
    return this.availability.batch(req);
  }

  @MessagePattern(InventorySubjects.pickupAvailability)
  pickup(@Payload() req: PickupAvailabilityRequest) {
    return this.availability.pickup(req);
  }
}

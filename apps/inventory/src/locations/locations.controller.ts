import { MessagePattern, Payload } from '@nestjs/microservices';
import { CreateLocationRequest, GetLocationRequest, InventorySubjects, ListLocationsRequest, UpdateLocationRequest } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { LocationsService } from './locations.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class LocationsController {
  constructor(private readonly locations: LocationsService) {}

  @MessagePattern(InventorySubjects.createLocation)
  create(@Payload() req: CreateLocationRequest) {
    return this.locations.create(req);
  }

  @MessagePattern(InventorySubjects.updateLocation)
  update(@Payload() req: UpdateLocationRequest) {
    return this.locations.update(req);
  }

  @MessagePattern(InventorySubjects.getLocation)
  get(@Payload() req: GetLocationRequest) {
    return this.locations.get(req);
  }

  @MessagePattern(InventorySubjects.listLocations)
  list(@Payload() req: ListLocationsRequest) {
    return this.locations.list(req);
  }
}

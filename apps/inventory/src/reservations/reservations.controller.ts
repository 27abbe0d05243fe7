import { MessagePattern, Payload } from '@nestjs/microservices';
import { InventorySubjects, ReservationRef, ReserveStockRequest } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { ReservationsService } from './reservations.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class ReservationsController {
  constructor(private readonly reservations: ReservationsService) {}

  @MessagePattern(InventorySubjects.reserveStock)
  reserve(@Payload() req: ReserveStockRequest) {
    return this.reservations.reserve(req);
  }

  @MessagePattern(InventorySubjects.commitReservation)
  commit(@Payload() req: ReservationRef) {
    return this.reservations.commit(req);
  }

  @MessagePattern(InventorySubjects.releaseReservation)
  release(@Payload() req: ReservationRef) {
    return this.reservations.release(req);
  }

  @MessagePattern(InventorySubjects.getReservation)
  get(@Payload() req: ReservationRef) {
    return this.reservations.get(req);
  }
}

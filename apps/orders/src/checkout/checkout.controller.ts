import { MessagePattern, Payload } from '@nestjs/microservices';
import { OrdersSubjects, PlaceOrderRequest } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { CheckoutService } from './checkout.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class CheckoutController {
  constructor(private readonly checkout: CheckoutService) {}

  @MessagePattern(OrdersSubjects.placeOrder)
  place(@Payload() req: PlaceOrderRequest) {
    return this.checkout.place(req);
  }
}

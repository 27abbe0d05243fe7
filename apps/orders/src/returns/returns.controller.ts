import { MessagePattern, Payload } from '@nestjs/microservices';
import { CreateReturnRequest, GetOrderRequest, OrdersSubjects, ReturnRef } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { ReturnsService } from './returns.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class ReturnsController {
  constructor(private readonly returns: ReturnsService) {}

  @MessagePattern(OrdersSubjects.createReturn)
  create(@Payload() req: CreateReturnRequest) {
    return this.returns.create(req);
  }

  @MessagePattern(OrdersSubjects.getReturn)
  get(@Payload() req: ReturnRef) {
    return this.returns.get(req);
  }

  @MessagePattern(OrdersSubjects.listReturns)
  list(@Payload() req: GetOrderRequest) {
    return this.returns.ofOrder(req);
  }

  @MessagePattern(OrdersSubjects.acceptReturn)
  accept(@Payload() req: ReturnRef) {
    return this.returns.accept(req);
  }

  @MessagePattern(OrdersSubjects.rejectReturn)
  reject(@Payload() req: ReturnRef) {
    return this.returns.reject(req);
  }
}

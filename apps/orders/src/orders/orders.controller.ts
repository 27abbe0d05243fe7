import { MessagePattern, Payload } from '@nestjs/microservices';
import { ChangeOrderStatusRequest, GetOrderRequest, ListOrdersRequest, OrdersSubjects } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { OrdersService } from './orders.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @MessagePattern(OrdersSubjects.getOrder)
  get(@Payload() req: GetOrderRequest) {
    return this.orders.get(req);
  }

  @MessagePattern(OrdersSubjects.listOrders)
  list(@Payload() req: ListOrdersRequest) {
    return this.orders.list(req);
  }

  @MessagePattern(OrdersSubjects.changeOrderStatus)
  changeStatus(@Payload() req: ChangeOrderStatusRequest) {
    return this.orders.changeStatus(req);
  }
}

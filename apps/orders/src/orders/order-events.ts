import { OrdersEvents, type OrderStatus } from '@omnibus/contracts';

/** The event each status is announced with. */
export const EVENT_OF_STATUS: Record<OrderStatus, string> = {
  placed: OrdersEvents.orderPlaced,
  confirmed: OrdersEvents.orderConfirmed,
  'ready-for-pickup': OrdersEvents.orderReadyForPickup,
  shipped: OrdersEvents.orderShipped,
  completed: OrdersEvents.orderCompleted,
  cancelled: OrdersEvents.orderCancelled,
};

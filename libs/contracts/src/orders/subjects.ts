/** Requests the orders service answers (queue group `orders`). */
export const OrdersSubjects = {
  /** Checkout: runs the saga (customer, quote, coupons, B2B limit, reservation, order). Idempotent by key. */
  placeOrder: 'orders.order.place',
  getOrder: 'orders.order.get',
  listOrders: 'orders.order.list',
  /** A lifecycle transition: ready-for-pickup, ship, complete or cancel. */
  changeOrderStatus: 'orders.order.change-status',
  createReturn: 'orders.return.create',
  getReturn: 'orders.return.get',
  /** The returns of one order, oldest first. */
  listReturns: 'orders.return.list',
  acceptReturn: 'orders.return.accept',
  rejectReturn: 'orders.return.reject',
} as const;

/** Durable events the orders service publishes on its JetStream stream. */
export const OrdersEvents = {
  orderPlaced: 'orders.order.placed',
  orderConfirmed: 'orders.order.confirmed',
  orderReadyForPickup: 'orders.order.ready-for-pickup',
  orderShipped: 'orders.order.shipped',
  orderCompleted: 'orders.order.completed',
  orderCancelled: 'orders.order.cancelled',
  returnCreated: 'orders.return.created',
  returnAccepted: 'orders.return.accepted',
  returnRejected: 'orders.return.rejected',
} as const;

export const ORDERS_STREAM = 'ORDERS_EVENTS';

import type { OrderAction, OrderCaller } from '@omnibus/contracts';

interface OrderScope {
  channel: string;
  customerId: string | null;
}

/** How the caller shows up in a status history: `customer:cus_…`, `staff:pos`, `channel:web`, `admin`. */
export function actorOf(caller: OrderCaller): string {
  if (caller.kind === 'customer') return `customer:${caller.customerId}`;
  if (caller.kind === 'admin') return 'admin';
  return `${caller.kind}:${caller.channel}`;
}

/**
 * Admin and staff keys see every order (a store takes back a web order); a customer sees their own,
 * from any channel; a channel key without a customer sees the orders of its channel.
 */
export function mayRead(order: OrderScope, caller: OrderCaller): boolean {
  if (caller.kind === 'admin' || caller.kind === 'staff') return true;
  if (caller.kind === 'customer') return order.customerId === caller.customerId;
  return order.channel === caller.channel;
}

/** Admin keys move any order; channel and staff keys the orders of their channel; a customer only cancels their own. */
export function mayChange(order: OrderScope, caller: OrderCaller, action: OrderAction): boolean {
  if (caller.kind === 'admin') return true;
  if (caller.kind === 'customer') return action === 'cancel' && order.customerId === caller.customerId;
  return order.channel === caller.channel;
}

/** What a store does with a click & collect order collected there: prepare it, hand it over, or cancel it. */
const STORE_ACTIONS: OrderAction[] = ['ready-for-pickup', 'complete', 'cancel'];

/**
 * The store whose staff may hand over `order` whatever channel it was placed in: its pickup location,
 * when the caller is a staff key and the action is one a store takes. The caller may act when that
 * location supplies the caller's channel (the store's own POS channel).
 */
export function pickupStoreOf(order: OrderScope & { fulfilment: { type: string; locationId: string | null } }, caller: OrderCaller, action: OrderAction): string | null {
  if (caller.kind !== 'staff' || order.fulfilment.type !== 'pickup' || !STORE_ACTIONS.includes(action)) return null;
  return order.fulfilment.locationId;
}

/** Returns are taken through any channel: by staff and admin for any order, by customers for their own. */
export function mayCreateReturn(order: OrderScope, caller: OrderCaller): boolean {
  return mayRead(order, caller);
}

/** Only staff (where the goods arrive) and admin keys accept or reject a return. */
export function mayDecideReturn(caller: OrderCaller): boolean {
  return caller.kind === 'admin' || caller.kind === 'staff';
}

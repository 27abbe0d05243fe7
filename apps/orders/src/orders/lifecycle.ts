import type { FulfilmentType, OrderAction, OrderStatus } from '@omnibus/contracts';

/** What a transition does to the order's reservation in the inventory. */
export type StockEffect = 'commit' | 'release' | null;

export type TransitionPlan = { to: OrderStatus; stock: StockEffect } | { already: OrderStatus } | { refused: string };

interface Rule {
  from: OrderStatus;
  to: OrderStatus;
  fulfilment?: FulfilmentType;
  stock: StockEffect;
}

/**
 * The lifecycle: placed → confirmed → (ready-for-pickup | shipped) → completed, carry-out orders
 * complete straight from confirmed, and cancelled from any state before the goods left. Fulfilment
 * (shipping, or handing over in the store) commits the reservation; cancelling releases it.
 */
const RULES: Record<OrderAction, Rule[]> = {
  'ready-for-pickup': [{ from: 'confirmed', to: 'ready-for-pickup', fulfilment: 'pickup', stock: null }],
  ship: [{ from: 'confirmed', to: 'shipped', fulfilment: 'delivery', stock: 'commit' }],
  complete: [
    { from: 'shipped', to: 'completed', fulfilment: 'delivery', stock: null },
    { from: 'ready-for-pickup', to: 'completed', fulfilment: 'pickup', stock: 'commit' },
    { from: 'confirmed', to: 'completed', fulfilment: 'carry-out', stock: 'commit' },
  ],
  cancel: [
    { from: 'placed', to: 'cancelled', stock: 'release' },
    { from: 'confirmed', to: 'cancelled', stock: 'release' },
    { from: 'ready-for-pickup', to: 'cancelled', stock: 'release' },
  ],
};

const TARGET: Record<OrderAction, OrderStatus> = { 'ready-for-pickup': 'ready-for-pickup', ship: 'shipped', complete: 'completed', cancel: 'cancelled' };

/** Whether `action` may happen to an order in `status` with `fulfilment`, and what it does. */
export function planTransition(status: OrderStatus, fulfilment: FulfilmentType, action: OrderAction): TransitionPlan {
  // Asking again for the state the order is in changes nothing: safe to retry.
  if (status === TARGET[action]) return { already: status };
  const rules = RULES[action];
  const rule = rules.find((r) => r.from === status && (!r.fulfilment || r.fulfilment === fulfilment));
  if (rule) return { to: rule.to, stock: rule.stock };
  const forType = rules.filter((r) => !r.fulfilment || r.fulfilment === fulfilment);
  if (forType.length === 0) {
    const types = [...new Set(rules.map((r) => r.fulfilment))].join(' or ');
    return { refused: `a ${fulfilment} order cannot be ${verb(action)}: only ${types} orders can` };
  }
  const from = forType.map((r) => r.from).join(' or ');
  return { refused: `the order is ${status}: it can be ${verb(action)} only when ${from}` };
}

function verb(action: OrderAction): string {
  return { 'ready-for-pickup': 'marked ready for pickup', ship: 'shipped', complete: 'completed', cancel: 'cancelled' }[action];
}

import { planTransition } from './lifecycle';

describe('order lifecycle', () => {
  it('ships a confirmed delivery and commits its stock', () => {
    expect(planTransition('confirmed', 'delivery', 'ship')).toEqual({ to: 'shipped', stock: 'commit' });
  });

  it('commits stock of a pickup order only when it is handed over', () => {
    expect(planTransition('confirmed', 'pickup', 'ready-for-pickup')).toEqual({ to: 'ready-for-pickup', stock: null });
    expect(planTransition('ready-for-pickup', 'pickup', 'complete')).toEqual({ to: 'completed', stock: 'commit' });
  });

  it('completes a carry-out sale straight from confirmed', () => {
    expect(planTransition('confirmed', 'carry-out', 'complete')).toEqual({ to: 'completed', stock: 'commit' });
    expect(planTransition('confirmed', 'delivery', 'complete')).toEqual({ refused: 'the order is confirmed: it can be completed only when shipped' });
  });

  it('cancels before shipping and releases the stock, never after', () => {
    expect(planTransition('confirmed', 'delivery', 'cancel')).toEqual({ to: 'cancelled', stock: 'release' });
    expect(planTransition('ready-for-pickup', 'pickup', 'cancel')).toEqual({ to: 'cancelled', stock: 'release' });
    expect(planTransition('shipped', 'delivery', 'cancel')).toEqual({ refused: 'the order is shipped: it can be cancelled only when placed or confirmed or ready-for-pickup' });
    expect(planTransition('completed', 'carry-out', 'cancel')).toHaveProperty('refused');
  });

  it('refuses a transition the fulfilment type does not have', () => {
    expect(planTransition('confirmed', 'delivery', 'ready-for-pickup')).toEqual({ refused: 'a delivery order cannot be marked ready for pickup: only pickup orders can' });
    expect(planTransition('confirmed', 'pickup', 'ship')).toEqual({ refused: 'a pickup order cannot be shipped: only delivery orders can' });
  });

  it('answers a repeated transition as already done', () => {
    expect(planTransition('shipped', 'delivery', 'ship')).toEqual({ already: 'shipped' });
    expect(planTransition('cancelled', 'delivery', 'cancel')).toEqual({ already: 'cancelled' });
  });
});

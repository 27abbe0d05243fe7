import type { OrderLine } from '@omnibus/contracts';
import { planReturn, refundFor } from './refunds';

const line = (sku: string, quantity: number, total: number, returnedQuantity = 0): OrderLine => ({
  sku,
  quantity,
  unitPrice: total,
  subtotal: total,
  discounts: [],
  discountTotal: 0,
  total,
  returnedQuantity,
});

describe('refunds', () => {
  it('refunds the discounted line total shared over its units', () => {
    expect(refundFor({ total: 3000, quantity: 3 }, 0, 1)).toBe(1000);
  });

  it('adds up to exactly the line total however the units come back', () => {
    const l = { total: 1000, quantity: 3 }; // 333.33… per unit
    const oneByOne = refundFor(l, 0, 1) + refundFor(l, 1, 1) + refundFor(l, 2, 1);
    expect(oneByOne).toBe(1000);
    expect(refundFor(l, 0, 2) + refundFor(l, 2, 1)).toBe(1000);
  });

  it('never lets more come back than was bought minus what came back already', () => {
    const result = planReturn([line('A', 2, 2000, 1), line('B', 1, 500)], [{ sku: 'A', quantity: 2 }, { sku: 'C', quantity: 1 }]);
    expect(result).toEqual({
      problems: [
        { field: 'lines.0.quantity', problem: '2 is more than the 1 of A that can still be returned (2 bought, 1 already returned)' },
        { field: 'lines.1.sku', problem: '"C" is not on this order' },
      ],
    });
    expect(planReturn([line('A', 2, 2000, 1)], [{ sku: 'A', quantity: 1 }])).toEqual({ lines: [{ sku: 'A', quantity: 1, refund: 1000 }] });
  });
});

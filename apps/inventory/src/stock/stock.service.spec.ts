import { duplicateItemProblems, stockChangedEvents } from './stock.service';
import { byLockOrder } from './stock.repository';

describe('stock rules', () => {
  it('names a (SKU, location) given twice in one feed, pointing at the first', () => {
    const items = [
      { sku: 'A', locationId: 'loc_1' },
      { sku: 'A', locationId: 'loc_2' },
      { sku: 'A', locationId: 'loc_1' },
    ];
    expect(duplicateItemProblems(items)).toEqual([{ field: 'items.2', problem: 'repeats SKU "A" at loc_1 of items.0' }]);
    expect(duplicateItemProblems(items.slice(0, 2))).toEqual([]);
  });

  it('orders locks by SKU then location, whatever order the caller gave', () => {
    const keys = [
      { sku: 'B', locationId: 'loc_1' },
      { sku: 'A', locationId: 'loc_2' },
      { sku: 'A', locationId: 'loc_1' },
    ];
    expect([...keys].sort(byLockOrder)).toEqual([
      { sku: 'A', locationId: 'loc_1' },
      { sku: 'A', locationId: 'loc_2' },
      { sku: 'B', locationId: 'loc_1' },
    ]);
  });

  it('describes each changed level with its new figures, its cause and the reference', () => {
    const level = { sku: 'A', locationId: 'loc_1', onHand: 5, reserved: 2, available: 3, version: 7, updatedAt: '' };
    expect(stockChangedEvents([level], 'adjust', 'PO-1')).toEqual([
      { type: 'inventory.stock.changed', data: { sku: 'A', locationId: 'loc_1', onHand: 5, reserved: 2, available: 3, version: 7, cause: 'adjust', reference: 'PO-1' } },
    ]);
    expect(stockChangedEvents([level], 'set', null)[0].data).not.toHaveProperty('reference');
  });
});

import { Candidate, allocate } from './allocation';

const at = (locationId: string, priority: number, stock: Record<string, number>): Candidate => ({
  locationId,
  code: locationId,
  priority,
  available: new Map(Object.entries(stock)),
});

describe('allocation rule', () => {
  it('prefers the first location, by priority, that can serve every line alone', () => {
    const warehouse = at('warehouse', 1, { A: 10, B: 0 });
    const store = at('store', 5, { A: 2, B: 3 });
    const other = at('other', 3, { A: 2, B: 3 });
    expect(allocate([{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }], [store, warehouse, other])).toEqual({
      plan: [
        { sku: 'A', locationId: 'other', quantity: 2 },
        { sku: 'B', locationId: 'other', quantity: 1 },
      ],
    });
  });

  it('splits lines over locations in priority order when no single location can serve all', () => {
    const first = at('first', 1, { A: 3, B: 0 });
    const second = at('second', 2, { A: 5, B: 1 });
    expect(allocate([{ sku: 'A', quantity: 6 }, { sku: 'B', quantity: 1 }], [second, first])).toEqual({
      plan: [
        { sku: 'A', locationId: 'first', quantity: 3 },
        { sku: 'A', locationId: 'second', quantity: 3 },
        { sku: 'B', locationId: 'second', quantity: 1 },
      ],
    });
  });

  it('breaks priority ties by code, so the outcome does not depend on row order', () => {
    const b = at('b', 1, { A: 5 });
    const a = at('a', 1, { A: 5 });
    expect(allocate([{ sku: 'A', quantity: 1 }], [b, a])).toEqual({ plan: [{ sku: 'A', locationId: 'a', quantity: 1 }] });
  });

  it('names every short line with what all candidates have together, and plans nothing', () => {
    const result = allocate([{ sku: 'A', quantity: 4 }, { sku: 'B', quantity: 1 }, { sku: 'C', quantity: 1 }], [at('x', 1, { A: 1, B: 1 }), at('y', 2, { A: 2 })]);
    expect(result).toEqual({
      shortages: [
        { sku: 'A', requested: 4, available: 3 },
        { sku: 'C', requested: 1, available: 0 },
      ],
    });
  });

  it('is short when there is no candidate at all', () => {
    expect(allocate([{ sku: 'A', quantity: 1 }], [])).toEqual({ shortages: [{ sku: 'A', requested: 1, available: 0 }] });
  });
});

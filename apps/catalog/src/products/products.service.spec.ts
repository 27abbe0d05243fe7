import { RpcError } from '@omnibus/service-kit';
import { decodeCursor, duplicateSkuProblems, encodeCursor, searchTextOf } from './products.service';

describe('catalog rules', () => {
  it('finds SKUs repeated within one request, naming the later one', () => {
    expect(duplicateSkuProblems([{ sku: 'A' }, { sku: 'B' }, { sku: 'A' }])).toEqual([{ field: 'variants.2.sku', problem: 'repeats the SKU "A" of variants.0' }]);
    expect(duplicateSkuProblems(undefined)).toEqual([]);
  });

  it('searches names of every locale, case-insensitively', () => {
    expect(searchTextOf({ en: 'Linen Shirt', de: 'Leinenhemd' })).toContain('linen shirt');
    expect(searchTextOf({ en: 'Linen Shirt', de: 'Leinenhemd' })).toContain('leinenhemd');
  });

  it('round-trips cursors and refuses forged ones', () => {
    const id = 'prd_00mwsl5gj03jvyx6t27vbl';
    expect(decodeCursor(encodeCursor(id))).toBe(id);
    expect(() => decodeCursor('garbage')).toThrow(RpcError);
    expect(() => decodeCursor(encodeCursor("prd_x' or 1=1"))).toThrow(/cursor/);
  });
});

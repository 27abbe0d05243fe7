import { ChannelView } from '@omnibus/contracts';
import { driftOf } from '../sync/consistency.service';
import { viewChange } from './views.service';

const view = (overrides: Partial<ChannelView> = {}): ChannelView => ({
  slug: 'shirt',
  name: { en: 'Shirt' },
  description: {},
  categories: [],
  attributes: {},
  media: [],
  variants: { 'SHIRT-1': { position: 0, attributes: {}, media: [], price: { amount: 1000, currency: 'EUR' }, available: 3 } },
  ...overrides,
});

describe('view changes', () => {
  it('adds a whole view, patches a changed one, removes one that left, and ignores no-ops', () => {
    expect(viewChange(undefined, view())).toMatchObject({ kind: 'upsert', version: 1, full: true, aspects: ['product', 'price', 'stock'] });
    expect(viewChange({ version: 1, present: true, view: view() }, view({ name: { en: 'Tee' } }))).toMatchObject({ kind: 'upsert', version: 2, full: false, changes: { name: { en: 'Tee' } }, aspects: ['product'] });
    expect(viewChange({ version: 2, present: true, view: view() }, null)).toMatchObject({ kind: 'remove', version: 3, changes: null });
    expect(viewChange({ version: 3, present: false, view: null }, null)).toBeNull();
    expect(viewChange({ version: 3, present: false, view: null }, view())).toMatchObject({ kind: 'upsert', version: 4, full: true });
    expect(viewChange({ version: 4, present: true, view: view() }, view())).toBeNull();
  });

  it('reports drift field by field, naming the source', () => {
    const expected = view();
    const actual = view({ name: { en: 'Tampered' }, variants: { 'SHIRT-1': { position: 0, attributes: {}, media: [], price: { amount: 1, currency: 'EUR' }, available: 3 } } });
    expect(driftOf('prd_1', actual, expected)).toEqual([
      { productId: 'prd_1', field: 'name.en', source: 'catalog', expected: 'Shirt', actual: 'Tampered' },
      { productId: 'prd_1', field: 'variants.SHIRT-1.price', source: 'pricing', expected: { amount: 1000, currency: 'EUR' }, actual: { amount: 1, currency: 'EUR' } },
    ]);
    expect(driftOf('prd_1', null, expected)).toEqual([expect.objectContaining({ field: '(presence)', expected: 'in the channel', actual: 'not in the channel' })]);
    expect(driftOf('prd_1', expected, view())).toEqual([]);
  });
});

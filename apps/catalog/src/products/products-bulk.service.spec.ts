import { BulkProductItem } from '@omnibus/contracts';
import { plainToInstance } from 'class-transformer';
import { canonicalJson, changesOf, itemProblems } from './products-bulk.service';
import { ProductRow, VariantRow } from './products.schema';

const row: ProductRow = {
  id: 'prd_0000000000000000000001',
  slug: 'linen-shirt',
  status: 'active',
  name: { en: 'Linen shirt', de: 'Leinenhemd' },
  description: {},
  categories: ['shirts'],
  channels: ['web'],
  attributes: { weight: { value: 180, unit: 'g' }, material: 'linen' },
  media: [],
  searchText: '',
  version: 3,
  createdAt: new Date(),
  updatedAt: new Date(),
};
const variants: VariantRow[] = [{ id: 'var_1', productId: row.id, sku: 'SHIRT-1', position: 0, attributes: {}, media: [] }];
const item = (raw: Record<string, unknown>) => plainToInstance(BulkProductItem, { slug: 'linen-shirt', ...raw });

describe('bulk upsert comparison', () => {
  it('ignores key order and fields the item leaves out', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: undefined } })).toBe(canonicalJson({ a: { d: 2 }, b: 1 }));
    expect(changesOf(item({ name: { de: 'Leinenhemd', en: 'Linen shirt' }, attributes: { material: 'linen', weight: { unit: 'g', value: 180 } } }), row, variants)).toEqual({ set: {}, variants: false });
    expect(changesOf(item({ variants: [{ sku: 'SHIRT-1' }] }), row, variants)).toEqual({ set: {}, variants: false });
  });

  it('names what really changed', () => {
    const { set, variants: variantsChanged } = changesOf(item({ name: { en: 'Shirt' }, categories: ['shirts'], variants: [{ sku: 'SHIRT-1' }, { sku: 'SHIRT-2' }] }), row, variants);
    expect(Object.keys(set).sort()).toEqual(['name', 'searchText']);
    expect(variantsChanged).toBe(true);
    expect(changesOf(item({ categories: ['shirts', 'summer'] }), row, variants).set).toEqual({ categories: ['shirts', 'summer'] });
  });

  it('checks each item on its own, naming fields within it', () => {
    expect(itemProblems({ slug: 'ok-slug', name: { en: 'x' } }).problems).toEqual([]);
    expect(itemProblems({ slug: 'Bad Slug' }).problems.map((p) => p.field)).toEqual(['slug']);
    expect(itemProblems({ slug: 'ok', extra: 1 }).problems).toEqual([{ field: 'extra', problem: 'is not a known field' }]);
    expect(itemProblems({ slug: 'ok', variants: [{ sku: 'A' }, { sku: 'A' }] }).problems).toEqual([{ field: 'variants.1.sku', problem: 'repeats the SKU "A" of variants.0' }]);
  });
});

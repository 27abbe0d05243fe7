import { ContentField } from '@omnibus/contracts';
import { RpcError } from '@omnibus/service-kit';
import { decodeSlugCursor, encodeSlugCursor, filtersOf } from './delivery.service';

const fields: ContentField[] = [
  { name: 'placement', kind: 'text', required: false, localized: false },
  { name: 'title', kind: 'text', required: true, localized: true },
  { name: 'product', kind: 'productRef', required: false, localized: false },
  { name: 'tags', kind: 'list', of: 'categoryRef', required: false, localized: false },
  { name: 'hero', kind: 'image', required: false, localized: false },
];

describe('delivery filters', () => {
  it('parses name:value pairs against the type', () => {
    expect(filtersOf('placement:home,product:SKU-1,tags:shirts', fields, 'banner')).toEqual([
      { name: 'placement', kind: 'text', list: false, value: 'home' },
      { name: 'product', kind: 'productRef', list: false, value: 'SKU-1' },
      { name: 'tags', kind: 'categoryRef', list: true, value: 'shirts' },
    ]);
    expect(filtersOf(undefined, fields, 'banner')).toEqual([]);
  });

  it.each([
    ['an unknown field', 'colour:red', /not a field/],
    ['a localized field', 'title:Sale', /cannot be filtered/],
    ['an image', 'hero:x', /cannot be filtered/],
    ['no value', 'placement:', /name:value/],
    ['no name', ':home', /name:value/],
  ])('refuses %s, naming the filter', (_what, filter, problem) => {
    try {
      filtersOf(filter, fields, 'banner');
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(RpcError);
      expect((err as RpcError).details?.[0].field).toBe('filter');
      expect((err as RpcError).details?.[0].problem).toMatch(problem);
    }
  });

  it('round-trips slug cursors and refuses forged ones', () => {
    expect(decodeSlugCursor(encodeSlugCursor('summer-sale'))).toBe('summer-sale');
    expect(() => decodeSlugCursor(encodeSlugCursor("x' or 1=1"))).toThrow(/cursor/);
  });
});

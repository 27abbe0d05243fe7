import { Product } from '@omnibus/contracts';
import { ChannelRules, PriceCopy, ViewSources, applyMergePatch, aspectsOf, computeView, inAssortment, mergePatch, patchPaths, resolvePrice, valueAt, viewHash } from './view';

const product = (overrides: Partial<Product> = {}): Product => ({
  id: 'prd_0000000000000000000001',
  slug: 'linen-shirt',
  name: { en: 'Linen shirt', de: 'Leinenhemd', fr: 'Chemise' },
  description: { en: 'Light' },
  status: 'active',
  categories: ['shirts'],
  channels: ['web', 'pos'],
  attributes: { material: 'linen', sizes: ['S', 'M'] },
  media: [],
  variants: [
    { id: 'var_1', sku: 'SHIRT-S', attributes: { size: 'S' }, media: [] },
    { id: 'var_2', sku: 'SHIRT-M', attributes: { size: 'M' }, media: [] },
  ],
  version: 1,
  createdAt: '',
  updatedAt: '',
  ...overrides,
});

const web: ChannelRules = { code: 'web', assortment: {}, priceScope: { currency: 'EUR' }, stockScope: {}, locales: ['en', 'de'] };
const posBerlin: ChannelRules = { code: 'pos-berlin', assortment: { catalogChannel: 'pos' }, priceScope: { currency: 'EUR', channel: 'pos' }, stockScope: { locations: ['berlin'] }, locales: ['de'] };

const price = (overrides: Partial<PriceCopy>): PriceCopy => ({
  sku: 'SHIRT-S',
  priceId: 'prc_a',
  priceListId: 'prl_base',
  currency: 'EUR',
  channel: null,
  customerGroup: null,
  country: null,
  minQuantity: 1,
  amount: 1000,
  validFrom: null,
  validUntil: null,
  ...overrides,
});

const sources = (overrides: Partial<ViewSources> = {}): ViewSources => ({
  prices: new Map([['SHIRT-S', [price({})]]]),
  priceLists: new Map([['prl_base', { id: 'prl_base', priority: 0, status: 'active' }]]),
  locations: [
    { id: 'loc_wh', code: 'warehouse', channels: ['web'], active: true },
    { id: 'loc_ber', code: 'berlin', channels: ['web', 'pos-berlin'], active: true },
    { id: 'loc_ham', code: 'hamburg', channels: ['web', 'pos-hamburg'], active: false },
  ],
  stock: new Map([
    [
      'SHIRT-S',
      [
        { sku: 'SHIRT-S', locationId: 'loc_wh', available: 10 },
        { sku: 'SHIRT-S', locationId: 'loc_ber', available: 2 },
        { sku: 'SHIRT-S', locationId: 'loc_ham', available: 5 },
      ],
    ],
  ]),
  at: new Date('2026-11-23T12:00:00Z'),
  ...overrides,
});

describe('assortment', () => {
  it('sells active products of its catalog channel, category and attribute values', () => {
    expect(inAssortment(web, product())).toBe(true);
    expect(inAssortment(web, product({ status: 'draft' }))).toBe(false);
    expect(inAssortment(web, product({ status: 'archived' }))).toBe(false);
    expect(inAssortment(web, product({ channels: ['app'] }))).toBe(false);
    expect(inAssortment(posBerlin, product())).toBe(true);
    expect(inAssortment({ ...web, assortment: { categories: ['shoes', 'shirts'] } }, product())).toBe(true);
    expect(inAssortment({ ...web, assortment: { categories: ['shoes'] } }, product())).toBe(false);
    expect(inAssortment({ ...web, assortment: { attributes: { material: 'linen', sizes: 'M' } } }, product())).toBe(true);
    expect(inAssortment({ ...web, assortment: { attributes: { material: 'wool' } } }, product())).toBe(false);
  });
});

describe('price resolution (as pricing resolves it)', () => {
  const lists = new Map([
    ['prl_base', { id: 'prl_base', priority: 0, status: 'active' }],
    ['prl_sale', { id: 'prl_sale', priority: 10, status: 'active' }],
    ['prl_off', { id: 'prl_off', priority: 99, status: 'inactive' }],
  ]);
  const at = new Date('2026-11-23T12:00:00Z');

  it('prefers the more specific scope, then the list priority, then the lower amount', () => {
    const base = price({ priceId: 'prc_1', amount: 1000 });
    const webPrice = price({ priceId: 'prc_2', amount: 1100, channel: 'web' });
    const sale = price({ priceId: 'prc_3', amount: 900, priceListId: 'prl_sale' });
    expect(resolvePrice([base, webPrice], lists, { currency: 'EUR' }, 'web', at)).toBe(1100);
    expect(resolvePrice([base, webPrice], lists, { currency: 'EUR' }, 'app', at)).toBe(1000);
    expect(resolvePrice([base, sale], lists, { currency: 'EUR' }, 'web', at)).toBe(900);
    expect(resolvePrice([base, price({ priceId: 'prc_4', amount: 950 })], lists, { currency: 'EUR' }, 'web', at)).toBe(950);
  });

  it('leaves out other currencies, inactive lists, other groups, higher tiers and closed windows', () => {
    expect(resolvePrice([price({ currency: 'USD' })], lists, { currency: 'EUR' }, 'web', at)).toBeNull();
    expect(resolvePrice([price({ priceListId: 'prl_off' })], lists, { currency: 'EUR' }, 'web', at)).toBeNull();
    expect(resolvePrice([price({ customerGroup: 'b2b' })], lists, { currency: 'EUR' }, 'web', at)).toBeNull();
    expect(resolvePrice([price({ customerGroup: 'b2b' })], lists, { currency: 'EUR', customerGroup: 'b2b' }, 'web', at)).toBe(1000);
    expect(resolvePrice([price({ minQuantity: 10 })], lists, { currency: 'EUR' }, 'web', at)).toBeNull();
    expect(resolvePrice([price({ validFrom: new Date('2026-12-01T00:00:00Z') })], lists, { currency: 'EUR' }, 'web', at)).toBeNull();
    expect(resolvePrice([price({ validUntil: at })], lists, { currency: 'EUR' }, 'web', at)).toBeNull();
    expect(resolvePrice([price({ validFrom: at })], lists, { currency: 'EUR' }, 'web', at)).toBe(1000);
    expect(resolvePrice([price({ channel: 'pos' })], lists, { currency: 'EUR', channel: 'pos' }, 'pos-berlin', at)).toBe(1000);
  });
});

describe('computeView', () => {
  it('keeps the channel locales, its price and the stock of its active supplying locations', () => {
    const view = computeView(web, product(), sources())!;
    expect(view.name).toEqual({ en: 'Linen shirt', de: 'Leinenhemd' });
    expect(view.variants['SHIRT-S']).toEqual({ position: 0, attributes: { size: 'S' }, media: [], price: { amount: 1000, currency: 'EUR' }, available: 12 });
    expect(view.variants['SHIRT-M']).toEqual({ position: 1, attributes: { size: 'M' }, media: [], available: 0 });
    expect(computeView(posBerlin, product(), sources())!.variants['SHIRT-S'].available).toBe(2);
    expect(computeView(web, product({ status: 'archived' }), sources())).toBeNull();
    expect(computeView(web, undefined, sources())).toBeNull();
  });

  it('gives the same hash for the same view whatever the key order', () => {
    const a = computeView(web, product(), sources())!;
    const b = computeView(web, product({ attributes: { sizes: ['S', 'M'], material: 'linen' } }), sources())!;
    expect(viewHash(a)).toBe(viewHash(b));
    expect(viewHash(a)).not.toBe(viewHash(computeView(web, product({ slug: 'other' }), sources())!));
  });
});

describe('merge patches', () => {
  const before = computeView(web, product(), sources())!;

  it('holds only what changed, and applying it gives the new view', () => {
    const after = computeView(web, product(), sources({ stock: new Map([['SHIRT-S', [{ sku: 'SHIRT-S', locationId: 'loc_wh', available: 3 }]]]) }))!;
    const patch = mergePatch(before, after) as Record<string, unknown>;
    expect(patch).toEqual({ variants: { 'SHIRT-S': { available: 3 } } });
    expect(aspectsOf(patch)).toEqual(['stock']);
    expect(applyMergePatch(before, patch)).toEqual(after);
  });

  it('is undefined when nothing a channel sees changed (a locale it does not show)', () => {
    const after = computeView(web, product({ name: { en: 'Linen shirt', de: 'Leinenhemd', fr: 'Chemise de lin' }, version: 2 }), sources())!;
    expect(mergePatch(before, after)).toBeUndefined();
  });

  it('marks removed fields and variants with null, and names the aspects', () => {
    const after = computeView(web, product({ variants: [product().variants[0]], name: { en: 'Shirt' } }), sources({ prices: new Map([['SHIRT-S', [price({ amount: 1200 })]]]) }))!;
    const patch = mergePatch(before, after) as Record<string, unknown>;
    expect(patch).toEqual({ name: { en: 'Shirt', de: null }, variants: { 'SHIRT-S': { price: { amount: 1200 } }, 'SHIRT-M': null } });
    expect(aspectsOf(patch)).toEqual(['product', 'price']);
    expect(applyMergePatch(before, patch)).toEqual(after);
    expect(patchPaths(patch)).toEqual([['name', 'en'], ['name', 'de'], ['variants', 'SHIRT-S', 'price'], ['variants', 'SHIRT-M']]);
    expect(valueAt(after, ['variants', 'SHIRT-S', 'price'])).toEqual({ amount: 1200, currency: 'EUR' });
  });

  it('is the whole view for a product that enters the channel', () => {
    const patch = mergePatch({}, before) as Record<string, unknown>;
    expect(patch).toEqual(before);
    expect(aspectsOf(patch)).toEqual(['product', 'price', 'stock']);
  });
});

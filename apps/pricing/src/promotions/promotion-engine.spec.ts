import { CouponCheck, EngineContext, EngineLine, PromotionRule, applyPromotions, distribute, divideRoundHalfUp, lineMatches } from './promotion-engine';

let n = 0;
const rule = (overrides: Partial<PromotionRule> = {}): PromotionRule => ({
  id: `prm_${String(n++).padStart(22, '0')}`,
  name: `Promo ${n}`,
  priority: 0,
  stacking: 'combinable',
  validFrom: null,
  validUntil: null,
  channels: [],
  customerGroups: [],
  minCartValue: null,
  couponCode: null,
  discount: { type: 'percentage', percent: 10 },
  products: null,
  ...overrides,
});

const line = (sku: string, unitPrice: number, quantity = 1, product: EngineLine['product'] = null): EngineLine => ({ sku, unitPrice, quantity, product });
const shirt = { categories: ['shirts'], attributes: { material: 'linen', sizes: ['S', 'M'], weight: { value: 180, unit: 'g' } } };
const mug = { categories: ['home'], attributes: { material: 'ceramic' } };
const ctx = (overrides: Partial<EngineContext> = {}): EngineContext => ({
  currency: 'EUR',
  channel: 'web',
  customerGroup: null,
  at: new Date('2026-11-23T12:00:00Z'),
  coupons: new Map<string, CouponCheck>(),
  ...overrides,
});
const totals = (r: ReturnType<typeof applyPromotions>) => r.discounts.map((ds) => ds.reduce((a, d) => a + d.amount, 0));

describe('promotion engine', () => {
  it('rounds half up per line and never takes a line below zero', () => {
    expect(divideRoundHalfUp(5n, 10n)).toBe(1n);
    expect(divideRoundHalfUp(4n, 10n)).toBe(0n);
    const r = applyPromotions([rule({ discount: { type: 'percentage', percent: 12.5 } })], [line('A', 1004), line('B', 1000)], ctx());
    expect(totals(r)).toEqual([126, 125]); // 125.5 → 126, 125 → 125
    const big = applyPromotions([rule({ discount: { type: 'fixedAmount', amount: { amount: 5000, currency: 'EUR' } }, products: { skus: ['A'] } })], [line('A', 1000, 2)], ctx());
    expect(totals(big)).toEqual([2000]);
  });

  it('takes a fixed amount off each matching unit, or once off the whole cart split over the lines', () => {
    const perUnit = applyPromotions([rule({ discount: { type: 'fixedAmount', amount: { amount: 150, currency: 'EUR' } }, products: { categories: ['shirts'] } })], [line('S', 2000, 3, shirt), line('M', 900, 1, mug)], ctx());
    expect(totals(perUnit)).toEqual([450, 0]);
    const cart = applyPromotions([rule({ discount: { type: 'fixedAmount', amount: { amount: 1000, currency: 'EUR' } } })], [line('A', 1000), line('B', 2000), line('C', 3000)], ctx());
    expect(totals(cart)).toEqual([167, 333, 500]);
    expect(distribute(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(distribute(10, [3, 0, 7])).toEqual([3, 0, 7]);
  });

  it('gives buy-X-get-Y on the cheapest matching units', () => {
    const b2g1 = rule({ discount: { type: 'buyXGetY', buyQuantity: 2, getQuantity: 1 }, products: { categories: ['shirts'] } });
    const r = applyPromotions([b2g1], [line('S1', 3000, 2, shirt), line('S2', 2000, 2, shirt), line('M', 500, 5, mug)], ctx());
    // 4 shirts: one group of 3, so one unit free: the cheapest shirt.
    expect(totals(r)).toEqual([0, 2000, 0]);
    const six = applyPromotions([b2g1], [line('S2', 2000, 6, shirt)], ctx());
    expect(totals(six)).toEqual([4000]);
    const tooFew = applyPromotions([b2g1], [line('S2', 2000, 2, shirt)], ctx());
    expect(tooFew.outcomes[0]).toMatchObject({ applied: false, reason: 'needs 3 matching units; the cart has 2' });
  });

  it('matches products by SKU, category and attributes, all selectors together', () => {
    expect(lineMatches({ attributes: { material: 'linen' } }, line('S', 1, 1, shirt))).toBe(true);
    expect(lineMatches({ attributes: { sizes: 'M' } }, line('S', 1, 1, shirt))).toBe(true);
    expect(lineMatches({ attributes: { weight: 180 } }, line('S', 1, 1, shirt))).toBe(true);
    expect(lineMatches({ categories: ['shirts'], attributes: { material: 'cotton' } }, line('S', 1, 1, shirt))).toBe(false);
    expect(lineMatches({ skus: ['X'], categories: ['shirts'] }, line('S', 1, 1, shirt))).toBe(false);
    expect(lineMatches({ categories: ['shirts'] }, line('S', 1, 1, null))).toBe(false);
  });

  it('stacks combinable promotions in priority order, each on what is left', () => {
    const tenPercent = rule({ priority: 10, discount: { type: 'percentage', percent: 10 } });
    const fiveEuro = rule({ priority: 5, discount: { type: 'fixedAmount', amount: { amount: 500, currency: 'EUR' } } });
    const r = applyPromotions([fiveEuro, tenPercent], [line('A', 10_000)], ctx());
    expect(r.outcomes.map((o) => [o.promotionId, o.applied, o.amount])).toEqual([
      [tenPercent.id, true, 1000],
      [fiveEuro.id, true, 500],
    ]);
  });

  it('applies an exclusive promotion only alone: first in order wins', () => {
    const exclusive = rule({ priority: 10, stacking: 'exclusive', discount: { type: 'percentage', percent: 30 } });
    const other = rule({ priority: 5 });
    const r = applyPromotions([other, exclusive], [line('A', 1000)], ctx());
    expect(r.outcomes.map((o) => o.applied)).toEqual([true, false]);
    expect(r.outcomes[1].reason).toMatch(/exclusive promotion/);
    const lowExclusive = rule({ priority: 1, stacking: 'exclusive' });
    const r2 = applyPromotions([other, lowExclusive], [line('A', 1000)], ctx());
    expect(r2.outcomes.map((o) => o.applied)).toEqual([true, false]);
    expect(r2.outcomes[1].reason).toMatch(/already applied/);
  });

  it('says why each promotion did not apply', () => {
    const rules = [
      rule({ priority: 9, channels: ['pos'] }),
      rule({ priority: 8, customerGroups: ['gold'] }),
      rule({ priority: 7, minCartValue: { amount: 5000, currency: 'EUR' } }),
      rule({ priority: 6, couponCode: 'WELCOME' }),
      rule({ priority: 5, couponCode: 'USEDUP' }),
      rule({ priority: 4, validFrom: new Date('2027-01-01T00:00:00Z') }),
      rule({ priority: 3, products: { categories: ['garden'] } }),
      rule({ priority: 2, discount: { type: 'fixedAmount', amount: { amount: 100, currency: 'USD' } } }),
    ];
    const r = applyPromotions(rules, [line('A', 1000)], ctx({ coupons: new Map([['USEDUP', { usable: false, reason: 'used up (limit 5)' }]]) }));
    expect(r.outcomes.map((o) => o.reason)).toEqual([
      'only in channel pos',
      'only for customer group gold',
      "needs a subtotal of at least 5000 EUR (minor units); the cart's is 1000",
      'needs its coupon code',
      'coupon USEDUP refused: used up (limit 5)',
      'starts at 2027-01-01T00:00:00.000Z',
      'no line matches its products',
      'its amount is in USD; the quote is in EUR',
    ]);
    expect(r.outcomes.every((o) => !o.applied)).toBe(true);
  });

  it('gives the same result whatever the channel unless a promotion names channels', () => {
    const rules = [rule({ priority: 2 }), rule({ priority: 1, discount: { type: 'buyXGetY', buyQuantity: 1, getQuantity: 1 } })];
    const lines = [line('A', 1234, 3), line('B', 999, 2)];
    expect(applyPromotions(rules, lines, ctx({ channel: 'web' }))).toEqual(applyPromotions(rules, lines, ctx({ channel: 'pos' })));
  });
});

import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { CalculateQuoteRequest, CreatePriceRequest, CreatePromotionRequest, attributeConditionsProblem } from './index';

/** Dotted paths of the fields with a problem, as the API reports them. */
function fields(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    return [...(e.constraints ? [field] : []), ...fields(e.children ?? [], field)];
  });
}

const problemsOf = (cls: new () => object, body: unknown) => fields(validateSync(plainToInstance(cls, body), { whitelist: true, forbidNonWhitelisted: true }));

const price = { priceListId: 'prl_0000000000000000000000', sku: 'SKU-1', amount: 100, currency: 'EUR' };

describe('pricing contracts', () => {
  it('accept a valid price, promotion and quote', () => {
    expect(problemsOf(CreatePriceRequest, { ...price, channel: 'pos', customerGroup: 'gold', country: 'DE', minQuantity: 10, validFrom: '2027-01-01T00:00:00Z', validUntil: '2027-02-01T00:00:00Z' })).toEqual([]);
    expect(problemsOf(CreatePromotionRequest, { name: 'P', discount: { type: 'buyXGetY', buyQuantity: 2, getQuantity: 1 }, products: { attributes: { material: 'linen', organic: true } }, coupon: { code: 'WELCOME-10' } })).toEqual([]);
    expect(problemsOf(CalculateQuoteRequest, { currency: 'EUR', lines: [{ sku: 'SKU-1', quantity: 2 }], couponCodes: ['welcome-10'] })).toEqual([]);
  });

  it.each([
    ['a negative amount', { ...price, amount: -1 }, 'amount'],
    ['a fractional amount', { ...price, amount: 1.5 }, 'amount'],
    ['an unknown currency', { ...price, currency: 'EUX' }, 'currency'],
    ['an inverted window', { ...price, validFrom: '2027-02-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z' }, 'validUntil'],
    ['an empty window', { ...price, validFrom: '2027-02-01T00:00:00Z', validUntil: '2027-02-01T00:00:00Z' }, 'validUntil'],
    ['a date without a time separator', { ...price, validFrom: '2027-02-01 00:00:00' }, 'validFrom'],
    ['a zero tier', { ...price, minQuantity: 0 }, 'minQuantity'],
    ['a bad country', { ...price, country: 'Germany' }, 'country'],
  ])('refuse a price with %s', (_what, body, field) => {
    expect(problemsOf(CreatePriceRequest, body)).toContain(field);
  });

  it.each([
    ['a percent over 100', { name: 'P', discount: { type: 'percentage', percent: 101 } }, 'discount.percent'],
    ['a percent with 3 decimals', { name: 'P', discount: { type: 'percentage', percent: 1.255 } }, 'discount.percent'],
    ['a percentage without percent', { name: 'P', discount: { type: 'percentage' } }, 'discount.percent'],
    ['a fixed amount without amount', { name: 'P', discount: { type: 'fixedAmount' } }, 'discount.amount'],
    ['a buy-X-get-Y without getQuantity', { name: 'P', discount: { type: 'buyXGetY', buyQuantity: 2 } }, 'discount.getQuantity'],
    ['an unknown discount type', { name: 'P', discount: { type: 'free' } }, 'discount.type'],
    ['a bad coupon code', { name: 'P', discount: { type: 'percentage', percent: 5 }, coupon: { code: 'no spaces' } }, 'coupon.code'],
    ['a zero usage limit', { name: 'P', discount: { type: 'percentage', percent: 5 }, coupon: { code: 'OK1', usageLimit: 0 } }, 'coupon.usageLimit'],
    ['an inverted window', { name: 'P', discount: { type: 'percentage', percent: 5 }, validFrom: '2027-02-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z' }, 'validUntil'],
  ])('refuse a promotion with %s', (_what, body, field) => {
    expect(problemsOf(CreatePromotionRequest, body)).toContain(field);
  });

  it('refuse quotes without lines, with a zero quantity or too many coupons', () => {
    expect(problemsOf(CalculateQuoteRequest, { currency: 'EUR', lines: [] })).toContain('lines');
    expect(problemsOf(CalculateQuoteRequest, { currency: 'EUR', lines: [{ sku: 'A', quantity: 0 }] })).toContain('lines.0.quantity');
    expect(problemsOf(CalculateQuoteRequest, { currency: 'EUR', lines: [{ sku: 'A', quantity: 1 }], couponCodes: Array.from({ length: 11 }, (_, i) => `CODE${i}`) })).toContain('couponCodes');
  });

  it('accept a lower-case currency code (services store it upper-case)', () => {
    expect(problemsOf(CreatePriceRequest, { ...price, currency: 'eur' })).toEqual([]);
  });

  it('check attribute conditions', () => {
    expect(attributeConditionsProblem({ material: 'linen', weight: 180, organic: true })).toBeNull();
    expect(attributeConditionsProblem({})).toMatch(/at least one/);
    expect(attributeConditionsProblem({ sizes: ['S'] })).toMatch(/string .* number or a boolean/);
    expect(attributeConditionsProblem({ '1bad': 'x' })).toMatch(/has name/);
  });
});

import { duplicateTierProblems, normalisePrice } from './prices.service';

describe('price rules', () => {
  it('finds tiers that overlap within one request, naming the later one', () => {
    const prices = [
      { sku: 'A', amount: 100, currency: 'EUR' },
      { sku: 'A', amount: 90, currency: 'EUR', minQuantity: 10 },
      { sku: 'A', amount: 95, currency: 'EUR', minQuantity: 1 },
      { sku: 'A', amount: 95, currency: 'EUR', channel: 'pos' },
      { sku: 'A', amount: 95, currency: 'USD' },
    ];
    expect(duplicateTierProblems(prices)).toEqual([{ field: 'prices.2.minQuantity', problem: 'overlaps prices.0: same SKU, currency, channel, customer group, country and minQuantity' }]);
  });

  it('normalises the scope: absent is null, country upper-case, minQuantity 1', () => {
    expect(normalisePrice({ sku: 'A', amount: 1, currency: 'EUR', country: 'de' })).toEqual({
      sku: 'A',
      amount: 1,
      currency: 'EUR',
      channel: null,
      customerGroup: null,
      country: 'DE',
      minQuantity: 1,
      validFrom: null,
      validUntil: null,
    });
  });
});

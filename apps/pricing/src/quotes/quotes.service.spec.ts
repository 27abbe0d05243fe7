import { checkCoupons, repeatedSkuProblems } from './quotes.service';
import { PromotionRule } from '../promotions/promotion-engine';

describe('quote rules', () => {
  it('refuses a SKU repeated in one cart, naming the later line', () => {
    expect(repeatedSkuProblems([{ sku: 'A' }, { sku: 'B' }, { sku: 'A' }])).toEqual([{ field: 'lines.2.sku', problem: 'repeats the SKU of lines.0: put the whole quantity in one line' }]);
  });

  it('checks coupons against their promotion and their uses', () => {
    const promotion = { id: 'prm_x' } as PromotionRule;
    const known = (code: string) => (code === 'GONE' ? undefined : promotion);
    const usage = [
      { code: 'OK', usageLimit: 5, usageLimitPerCustomer: null, used: 4, customerUsed: 0 },
      { code: 'FULL', usageLimit: 5, usageLimitPerCustomer: null, used: 5, customerUsed: 0 },
      { code: 'ONCE', usageLimit: null, usageLimitPerCustomer: 1, used: 9, customerUsed: 1 },
      { code: 'GONE', usageLimit: null, usageLimitPerCustomer: null, used: 0, customerUsed: 0 },
    ];
    const checks = checkCoupons(['OK', 'FULL', 'ONCE', 'GONE', 'NEVER'], 'c-1', known, usage);
    expect(Object.fromEntries(checks)).toEqual({
      OK: { usable: true },
      FULL: { usable: false, reason: 'used up (limit 5)' },
      ONCE: { usable: false, reason: 'this customer has used it 1 times (limit 1 per customer)' },
      GONE: { usable: false, reason: 'unknown, inactive or ended' },
      NEVER: { usable: false, reason: 'unknown, inactive or ended' },
    });
    expect(checkCoupons(['ONCE'], null, known, usage).get('ONCE')).toEqual({ usable: false, reason: 'has a per-customer limit: the quote needs a customerId' });
  });
});

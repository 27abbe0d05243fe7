import { CompanyOrderFacts, decideCompanyOrder, formatMoney } from './company-orders';

const company = { id: 'cmp_00mwsl5gj03jvyx6t27vbl', spendingLimit: { amount: 50_000, currency: 'EUR' } };
const facts = (overrides: Partial<CompanyOrderFacts> = {}): CompanyOrderFacts => ({
  customerId: 'cus_00mwsl5gj03jvyx6t27vbl',
  amount: { amount: 49_999, currency: 'EUR' },
  company,
  role: 'buyer',
  ...overrides,
});

describe('B2B order authorization', () => {
  it('allows a buyer or admin up to and including the limit', () => {
    expect(decideCompanyOrder(facts())).toMatchObject({ allowed: true, companyId: company.id, role: 'buyer', spendingLimit: company.spendingLimit });
    expect(decideCompanyOrder(facts({ amount: { amount: 50_000, currency: 'EUR' }, role: 'admin' })).allowed).toBe(true);
  });

  it('refuses an order over the limit, naming the limit', () => {
    const decision = decideCompanyOrder(facts({ amount: { amount: 50_001, currency: 'EUR' } }));
    expect(decision).toMatchObject({ allowed: false, reason: 'over-limit' });
    expect(decision.message).toContain('500.00 EUR');
    expect(decision.message).toContain('500.01 EUR');
  });

  it('refuses approvers, non-members, unknown companies and other currencies', () => {
    expect(decideCompanyOrder(facts({ role: 'approver' })).reason).toBe('role-not-allowed');
    expect(decideCompanyOrder(facts({ role: null })).reason).toBe('not-a-member');
    expect(decideCompanyOrder(facts({ company: null, role: null })).reason).toBe('company-not-found');
    expect(decideCompanyOrder(facts({ amount: { amount: 1, currency: 'USD' } })).reason).toBe('currency-mismatch');
  });

  it('allows any amount in any currency when the company has no limit', () => {
    expect(decideCompanyOrder(facts({ company: { ...company, spendingLimit: null }, amount: { amount: 10 ** 12, currency: 'JPY' } })).allowed).toBe(true);
  });

  it('formats amounts with the currency’s decimals', () => {
    expect(formatMoney({ amount: 50_000, currency: 'EUR' })).toBe('500.00 EUR');
    expect(formatMoney({ amount: 500, currency: 'JPY' })).toBe('500 JPY');
    expect(formatMoney({ amount: 1_500, currency: 'KWD' })).toBe('1.500 KWD');
  });
});

import { COMPANY_ORDERING_ROLES, CompanyOrderAuthorization, CompanyRole, Money } from '@omnibus/contracts';

/** `50000 EUR` → `500.00 EUR`, with the currency's own number of decimals. */
export function formatMoney(money: Money): string {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency: money.currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    /* an unknown currency keeps two decimals */
  }
  return `${(money.amount / 10 ** digits).toFixed(digits)} ${money.currency}`;
}

export interface CompanyOrderFacts {
  customerId: string;
  amount: Money;
  /** The company asked about (or the customer's own), null when there is none. */
  company: { id: string; spendingLimit: Money | null } | null;
  /** The customer's role in that company, null when not a member. */
  role: CompanyRole | null;
}

/**
 * May a member order `amount` on the company's behalf? Buyers and admins may order; approvers approve
 * and do not order. The per-order spending limit is in one currency: another currency is refused rather
 * than converted.
 */
export function decideCompanyOrder(facts: CompanyOrderFacts): CompanyOrderAuthorization {
  const { company, role, amount, customerId } = facts;
  const limit = company?.spendingLimit ?? null;
  const base = { companyId: company?.id ?? null, customerId, role, spendingLimit: limit };
  const refuse = (reason: CompanyOrderAuthorization['reason'], message: string): CompanyOrderAuthorization => ({ ...base, allowed: false, reason, message });
  if (!company) return refuse('company-not-found', 'no such company');
  if (!role) return refuse('not-a-member', `customer ${customerId} is not a member of company ${company.id}`);
  if (!COMPANY_ORDERING_ROLES.includes(role)) return refuse('role-not-allowed', `the ${role} role may not place orders for the company (roles that may: ${COMPANY_ORDERING_ROLES.join(', ')})`);
  if (limit && limit.currency !== amount.currency) return refuse('currency-mismatch', `the company's spending limit is in ${limit.currency}; an order in ${amount.currency} cannot be checked against it`);
  if (limit && amount.amount > limit.amount) return refuse('over-limit', `the order total ${formatMoney(amount)} is over the company's per-order spending limit of ${formatMoney(limit)}`);
  return { ...base, allowed: true, message: limit ? `within the per-order spending limit of ${formatMoney(limit)}` : 'the company has no spending limit' };
}

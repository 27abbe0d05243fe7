import { Injectable } from '@nestjs/common';
import { CalculateQuoteRequest, CouponOutcome, FieldProblem, PriceExplanation, Quote, QuoteLine } from '@omnibus/contracts';
import { SkuProduct } from '../catalog/catalog-products.service';
import { CouponUsageRow, CouponsRepository } from '../coupons/coupons.repository';
import { validationError } from '../cursor';
import { PriceResolution, resolvePrice } from '../prices/price-resolution';
import { groupBySku } from '../prices/prices.service';
import { PromotionCache } from '../promotions/promotion-cache';
import { CouponCheck, EngineLine, PromotionRule, applyPromotions } from '../promotions/promotion-engine';
import { QuoteDataCache } from './quote-data-cache';

/** SKUs repeated within one cart: one line per SKU, so tiers see the whole quantity. */
export function repeatedSkuProblems(lines: { sku: string }[]): FieldProblem[] {
  const seen = new Map<string, number>();
  const problems: FieldProblem[] = [];
  lines.forEach((l, i) => {
    const first = seen.get(l.sku);
    if (first !== undefined) problems.push({ field: `lines.${i}.sku`, problem: `repeats the SKU of lines.${first}: put the whole quantity in one line` });
    else seen.set(l.sku, i);
  });
  return problems;
}

/** Checks each given code against the active promotions and its uses (total and the customer's). */
export function checkCoupons(codes: string[], customerId: string | null, promotionFor: (code: string) => PromotionRule | undefined, usage: CouponUsageRow[]): Map<string, CouponCheck> {
  const byCode = new Map(usage.map((u) => [u.code, u]));
  const checks = new Map<string, CouponCheck>();
  for (const code of codes) {
    const use = byCode.get(code);
    if (!promotionFor(code) || !use) checks.set(code, { usable: false, reason: 'unknown, inactive or ended' });
    else if (use.usageLimit !== null && use.used >= use.usageLimit) checks.set(code, { usable: false, reason: `used up (limit ${use.usageLimit})` });
    else if (use.usageLimitPerCustomer !== null && !customerId) checks.set(code, { usable: false, reason: 'has a per-customer limit: the quote needs a customerId' });
    else if (use.usageLimitPerCustomer !== null && use.customerUsed >= use.usageLimitPerCustomer) {
      checks.set(code, { usable: false, reason: `this customer has used it ${use.customerUsed} times (limit ${use.usageLimitPerCustomer} per customer)` });
    } else checks.set(code, { usable: true });
  }
  return checks;
}

function explainPrice(sku: string, r: PriceResolution, reason: string): PriceExplanation {
  const p = r.price;
  return {
    sku,
    priceId: p?.id ?? null,
    priceListId: p?.priceListId ?? null,
    priceListName: p?.priceListName ?? null,
    priority: p?.priority ?? null,
    minQuantity: p?.minQuantity ?? null,
    channel: p?.channel ?? null,
    customerGroup: p?.customerGroup ?? null,
    country: p?.country ?? null,
    validUntil: p?.validUntil?.toISOString() ?? null,
    reason,
    notUsed: r.notUsed.map((n) => ({ priceId: n.candidate.id, amount: n.candidate.amount, reason: n.reason })),
  };
}

/**
 * Quotes carts: all lines' prices with their products' facts from memory (the misses in one prepared
 * statement), coupon uses in one more statement only when codes are given (in parallel), promotions
 * from memory; then one engine for every channel.
 */
@Injectable()
export class QuotesService {
  constructor(
    private readonly data: QuoteDataCache,
    private readonly promotions: PromotionCache,
    private readonly coupons: CouponsRepository,
  ) {}

  async calculate(req: CalculateQuoteRequest): Promise<Quote> {
    const problems = repeatedSkuProblems(req.lines);
    if (problems.length) throw validationError(problems);
    const at = new Date();
    const currency = req.currency.toUpperCase();
    const scope = { channel: req.channel ?? null, customerGroup: req.customerGroup ?? null, country: req.country?.toUpperCase() ?? null };
    const skus = req.lines.map((l) => l.sku);
    const codes = (req.couponCodes ?? []).map((c) => c.toUpperCase());
    const [{ candidates, products }, usage] = await Promise.all([
      this.data.load(skus, currency, at),
      codes.length ? this.coupons.usage(codes, req.customerId ?? null) : Promise.resolve([]),
    ]);
    const bySku = groupBySku(candidates);

    const explanations: PriceExplanation[] = [];
    const lines: QuoteLine[] = [];
    const priced: { index: number; line: EngineLine }[] = [];
    req.lines.forEach((input, index) => {
      const product: SkuProduct | undefined = products.get(input.sku);
      const resolution = resolvePrice(bySku.get(input.sku) ?? [], input.quantity, { ...scope, at });
      let unitPrice = resolution.price?.amount ?? null;
      let reason = resolution.reason;
      if (unitPrice !== null && product?.archived) {
        unitPrice = null;
        reason = `product ${product.productId} is archived: it cannot be sold`;
      }
      const subtotal = unitPrice === null ? 0 : unitPrice * input.quantity;
      if (!Number.isSafeInteger(subtotal)) throw validationError([{ field: `lines.${index}.quantity`, problem: 'makes the line total too large' }]);
      if (req.explain !== false) explanations.push(explainPrice(input.sku, unitPrice === null ? { ...resolution, price: null } : resolution, reason));
      lines.push({ sku: input.sku, quantity: input.quantity, unitPrice, subtotal, discounts: [], discountTotal: 0, total: subtotal });
      if (unitPrice !== null) priced.push({ index, line: { sku: input.sku, quantity: input.quantity, unitPrice, product: product ?? null } });
    });

    if (!Number.isSafeInteger(lines.reduce((a, l) => a + l.subtotal, 0))) throw validationError([{ field: 'lines', problem: 'make the cart total too large' }]);
    const couponChecks = checkCoupons(codes, req.customerId ?? null, (code) => this.promotions.forCoupon(code), usage);
    const result = applyPromotions(
      this.promotions.active(),
      priced.map((p) => p.line),
      { currency, channel: scope.channel, customerGroup: scope.customerGroup, at, coupons: couponChecks },
    );
    priced.forEach(({ index }, i) => {
      const line = lines[index];
      line.discounts = result.discounts[i];
      line.discountTotal = line.discounts.reduce((a, d) => a + d.amount, 0);
      line.total = line.subtotal - line.discountTotal;
    });

    const coupons: CouponOutcome[] = codes.map((code) => {
      const check = couponChecks.get(code)!;
      const promotion = this.promotions.forCoupon(code);
      if (!check.usable) return { code, accepted: false, promotionId: promotion?.id ?? null, reason: check.reason };
      const outcome = result.outcomes.find((o) => o.promotionId === promotion!.id)!;
      return { code, accepted: outcome.applied, promotionId: promotion!.id, reason: outcome.applied ? `applied: ${outcome.reason}` : `valid, but its promotion does not apply: ${outcome.reason}` };
    });

    const subtotal = lines.reduce((a, l) => a + l.subtotal, 0);
    const discountTotal = lines.reduce((a, l) => a + l.discountTotal, 0);
    return {
      currency,
      customerGroup: scope.customerGroup,
      lines,
      subtotal,
      discountTotal,
      total: subtotal - discountTotal,
      complete: lines.every((l) => l.unitPrice !== null),
      explanation: req.explain === false ? { prices: [], promotions: result.outcomes.filter((o) => o.applied), coupons } : { prices: explanations, promotions: result.outcomes, coupons },
      quotedAt: at.toISOString(),
    };
  }
}

import type { AttributeValue, Attributes, Discount, LineDiscount, Money, ProductSelector, PromotionOutcome, StackingRule } from '@omnibus/contracts';

/** An active promotion as the engine evaluates it. */
export interface PromotionRule {
  id: string;
  name: string;
  priority: number;
  stacking: StackingRule;
  validFrom: Date | null;
  validUntil: Date | null;
  /** Empty = every channel. */
  channels: string[];
  /** Empty = everyone. */
  customerGroups: string[];
  minCartValue: Money | null;
  /** Upper-case; null = no coupon needed. */
  couponCode: string | null;
  discount: Discount;
  /** null = the whole cart. */
  products: ProductSelector | null;
}

/** What pricing knows of a SKU's product (from catalog events); null when it knows nothing. */
export interface ProductFacts {
  categories: string[];
  /** Product attributes overlaid with the variant's. */
  attributes: Attributes;
}

export interface EngineLine {
  sku: string;
  quantity: number;
  unitPrice: number;
  product: ProductFacts | null;
}

/** A coupon code given with the quote: usable, or refused and why. */
export type CouponCheck = { usable: true } | { usable: false; reason: string };

export interface EngineContext {
  currency: string;
  channel: string | null;
  customerGroup: string | null;
  at: Date;
  /** Upper-case code → check, for each code given with the quote. */
  coupons: Map<string, CouponCheck>;
}

export interface EngineResult {
  /** Per line, in the order given. */
  discounts: LineDiscount[][];
  /** Every rule in evaluation order. */
  outcomes: PromotionOutcome[];
}

/** Evaluation order: higher priority first, then smaller id, so the outcome never depends on load order. */
export function comparePromotions(a: PromotionRule, b: PromotionRule): number {
  return b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function attributeMatches(actual: AttributeValue | undefined, wanted: string | number | boolean): boolean {
  if (actual === undefined) return false;
  if (Array.isArray(actual)) return actual.includes(wanted as string);
  if (typeof actual === 'object') return actual.value === wanted;
  return actual === wanted;
}

/** A line matches when it matches every selector given (SKU in `skus`, a category in `categories`, every attribute). */
export function lineMatches(selector: ProductSelector | null, line: EngineLine): boolean {
  if (!selector) return true;
  if (selector.skus && !selector.skus.includes(line.sku)) return false;
  if (selector.categories && !line.product?.categories.some((c) => selector.categories!.includes(c))) return false;
  if (selector.attributes) {
    if (!line.product) return false;
    for (const [name, wanted] of Object.entries(selector.attributes)) if (!attributeMatches(line.product.attributes[name], wanted)) return false;
  }
  return true;
}

/** num / den rounded half up, for non-negative integers. */
export function divideRoundHalfUp(num: bigint, den: bigint): bigint {
  return (2n * num + den) / (2n * den);
}

/** Percent with up to 2 decimals as basis points (12.5 % → 1250), exactly. */
function basisPoints(percent: number): bigint {
  return BigInt(Math.round(percent * 100));
}

/**
 * Splits `total` over lines in proportion to `weights` (their remaining amounts), in whole minor units
 * that add up to `total` exactly: each gets the floor of its share, and the units left over go to the
 * largest remainders (then to the earlier line). No line gets more than its weight while total ≤ Σ weights.
 */
export function distribute(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, w) => a + BigInt(w), 0n);
  if (sum === 0n || total <= 0) return weights.map(() => 0);
  const t = BigInt(total);
  const base = weights.map((w) => (t * BigInt(w)) / sum);
  const remainders = weights.map((w, i) => ({ i, r: (t * BigInt(w)) % sum }));
  let left = t - base.reduce((a, b) => a + b, 0n);
  remainders.sort((a, b) => (b.r > a.r ? 1 : b.r < a.r ? -1 : a.i - b.i));
  for (const { i } of remainders) {
    if (left === 0n) break;
    if (weights[i] === 0) continue;
    base[i] += 1n;
    left -= 1n;
  }
  return base.map(Number);
}

const amountText = (m: Money) => `${m.amount} ${m.currency} (minor units)`;

/** Why the rule does not apply to this cart, or null when it does. */
function conditionProblem(rule: PromotionRule, lines: EngineLine[], subtotal: number, ctx: EngineContext): string | null {
  const at = ctx.at.getTime();
  if (rule.validFrom && rule.validFrom.getTime() > at) return `starts at ${rule.validFrom.toISOString()}`;
  if (rule.validUntil && rule.validUntil.getTime() <= at) return `ended at ${rule.validUntil.toISOString()}`;
  // Products first: a promotion for other products reads the same in every channel.
  const matching = lines.filter((l) => lineMatches(rule.products, l));
  if (matching.length === 0) return rule.products ? 'no line matches its products' : 'the cart has no priced line';
  if (rule.channels.length && !(ctx.channel && rule.channels.includes(ctx.channel))) return `only in channel${rule.channels.length > 1 ? 's' : ''} ${rule.channels.join(', ')}`;
  if (rule.customerGroups.length && !(ctx.customerGroup && rule.customerGroups.includes(ctx.customerGroup))) {
    return `only for customer group${rule.customerGroups.length > 1 ? 's' : ''} ${rule.customerGroups.join(', ')}`;
  }
  if (rule.discount.type === 'fixedAmount' && rule.discount.amount && rule.discount.amount.currency !== ctx.currency) return `its amount is in ${rule.discount.amount.currency}; the quote is in ${ctx.currency}`;
  if (rule.minCartValue && rule.minCartValue.currency !== ctx.currency) return `its minimum cart value is in ${rule.minCartValue.currency}; the quote is in ${ctx.currency}`;
  if (rule.couponCode) {
    const coupon = ctx.coupons.get(rule.couponCode);
    if (!coupon) return 'needs its coupon code';
    if (!coupon.usable) return `coupon ${rule.couponCode} refused: ${coupon.reason}`;
  }
  if (rule.minCartValue && subtotal < rule.minCartValue.amount) return `needs a subtotal of at least ${amountText(rule.minCartValue)}; the cart's is ${subtotal}`;
  if (rule.discount.type === 'buyXGetY') {
    const needed = rule.discount.buyQuantity! + rule.discount.getQuantity!;
    const units = matching.reduce((n, l) => n + l.quantity, 0);
    if (units < needed) return `needs ${needed} matching units; the cart has ${units}`;
  }
  return null;
}

/** Minor units the rule takes off each line, given what is left of each line after earlier promotions. */
function discountPerLine(rule: PromotionRule, lines: EngineLine[], remaining: number[]): number[] {
  const matches = lines.map((l) => lineMatches(rule.products, l));
  const d = rule.discount;
  switch (d.type) {
    case 'percentage': {
      const bp = basisPoints(d.percent!);
      return remaining.map((rem, i) => (matches[i] ? Math.min(rem, Number(divideRoundHalfUp(BigInt(rem) * bp, 10_000n))) : 0));
    }
    case 'fixedAmount': {
      const amount = d.amount!.amount;
      if (rule.products) {
        return remaining.map((rem, i) => {
          if (!matches[i]) return 0;
          const off = BigInt(amount) * BigInt(lines[i].quantity);
          return off >= BigInt(rem) ? rem : Number(off);
        });
      }
      const cartRemaining = remaining.reduce((a, b) => a + b, 0);
      return distribute(Math.min(amount, cartRemaining), remaining);
    }
    case 'buyXGetY': {
      const bp = basisPoints(d.percent ?? 100);
      const perGroup = d.buyQuantity! + d.getQuantity!;
      const units = lines.reduce((n, l, i) => n + (matches[i] ? l.quantity : 0), 0);
      let free = Math.floor(units / perGroup) * d.getQuantity!;
      // The cheapest units (by what is left of their line per unit) are the discounted ones.
      const order = lines
        .map((_, i) => i)
        .filter((i) => matches[i])
        .sort((a, b) => {
          const left = BigInt(remaining[a]) * BigInt(lines[b].quantity);
          const right = BigInt(remaining[b]) * BigInt(lines[a].quantity);
          return left < right ? -1 : left > right ? 1 : a - b;
        });
      const out = lines.map(() => 0);
      for (const i of order) {
        if (free === 0) break;
        const k = Math.min(free, lines[i].quantity);
        free -= k;
        const value = divideRoundHalfUp(BigInt(remaining[i]) * BigInt(k) * bp, BigInt(lines[i].quantity) * 10_000n);
        out[i] = Math.min(remaining[i], Number(value));
      }
      return out;
    }
  }
}

function describe(rule: PromotionRule): string {
  const d = rule.discount;
  const where = rule.products ? 'the lines matching its products' : 'the whole cart';
  const what =
    d.type === 'percentage'
      ? `${d.percent} % off ${where}`
      : d.type === 'fixedAmount'
        ? rule.products
          ? `${amountText(d.amount!)} off each matching unit`
          : `${amountText(d.amount!)} off the whole cart`
        : `buy ${d.buyQuantity} get ${d.getQuantity} ${(d.percent ?? 100) === 100 ? 'free' : `${d.percent} % off`}${rule.products ? ' of its products' : ''}`;
  return `${what}${rule.couponCode ? ` (coupon ${rule.couponCode})` : ''}; ${rule.stacking}, priority ${rule.priority}`;
}

/**
 * Applies promotions to priced lines, one policy for every channel. Rules are taken in priority order;
 * each that meets its conditions takes its discount off what is left of the lines after the ones
 * before it (so a line never goes below zero), rounded half up per line. An exclusive rule applies only
 * when nothing applied before it, and then nothing after it applies.
 */
export function applyPromotions(rules: PromotionRule[], lines: EngineLine[], ctx: EngineContext): EngineResult {
  const remaining = lines.map((l) => l.unitPrice * l.quantity);
  const subtotal = remaining.reduce((a, b) => a + b, 0);
  const discounts: LineDiscount[][] = lines.map(() => []);
  const outcomes: PromotionOutcome[] = [];
  let first: PromotionRule | null = null;
  let exclusive: PromotionRule | null = null;
  for (const rule of [...rules].sort(comparePromotions)) {
    const skip = (reason: string) => outcomes.push({ promotionId: rule.id, name: rule.name, applied: false, amount: 0, reason });
    if (exclusive) {
      skip(`the exclusive promotion "${exclusive.name}" applied`);
      continue;
    }
    const problem = conditionProblem(rule, lines, subtotal, ctx);
    if (problem) {
      skip(problem);
      continue;
    }
    if (rule.stacking === 'exclusive' && first) {
      skip(`exclusive, and "${first.name}" (evaluated first) already applied`);
      continue;
    }
    const amounts = discountPerLine(rule, lines, remaining);
    const total = amounts.reduce((a, b) => a + b, 0);
    if (total === 0) {
      skip('nothing left to discount on its lines');
      continue;
    }
    amounts.forEach((amount, i) => {
      if (amount <= 0) return;
      discounts[i].push({ promotionId: rule.id, name: rule.name, amount });
      remaining[i] -= amount;
    });
    outcomes.push({ promotionId: rule.id, name: rule.name, applied: true, amount: total, reason: describe(rule) });
    first ??= rule;
    if (rule.stacking === 'exclusive') exclusive = rule;
  }
  return { discounts, outcomes };
}

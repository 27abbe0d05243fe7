/** A stored price of an active list, as resolution sees it. */
export interface PriceCandidate {
  id: string;
  priceListId: string;
  priceListName: string;
  priority: number;
  sku: string;
  amount: number;
  currency: string;
  channel: string | null;
  customerGroup: string | null;
  country: string | null;
  minQuantity: number;
  validFrom: Date | null;
  validUntil: Date | null;
}

/** Who asks, where and when. Absent scope values match only prices that do not use that scope. */
export interface PriceContext {
  channel: string | null;
  customerGroup: string | null;
  country: string | null;
  at: Date;
}

export interface PriceNotUsed {
  candidate: PriceCandidate;
  reason: string;
}

export interface PriceResolution {
  price: PriceCandidate | null;
  reason: string;
  notUsed: PriceNotUsed[];
  /** The next moment a window of a matching price opens or closes: the result may change then. */
  nextChangeAt: Date | null;
}

/** Customer group outweighs channel, which outweighs country; a price using more of them is more specific. */
export function specificity(c: Pick<PriceCandidate, 'channel' | 'customerGroup' | 'country'>): number {
  return (c.customerGroup !== null ? 4 : 0) + (c.channel !== null ? 2 : 0) + (c.country !== null ? 1 : 0);
}

/**
 * The documented order, best first: more specific scope, then higher list priority, then the higher
 * quantity tier reached, then the lower amount, then the smaller id (only so that the order is total).
 */
export function compareCandidates(a: PriceCandidate, b: PriceCandidate): number {
  return (
    specificity(b) - specificity(a) ||
    b.priority - a.priority ||
    b.minQuantity - a.minQuantity ||
    a.amount - b.amount ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function scopeMatches(c: PriceCandidate, ctx: PriceContext): boolean {
  return (
    (c.channel === null || c.channel === ctx.channel) &&
    (c.customerGroup === null || c.customerGroup === ctx.customerGroup) &&
    (c.country === null || c.country === ctx.country)
  );
}

export function describeScope(c: Pick<PriceCandidate, 'channel' | 'customerGroup' | 'country'>): string {
  const parts = [
    c.customerGroup !== null ? `customer group ${c.customerGroup}` : '',
    c.channel !== null ? `channel ${c.channel}` : '',
    c.country !== null ? `country ${c.country}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'any customer, channel and country';
}

/** Why `loser` ranks below `winner`, naming the first rule that separates them. */
function rankedBelow(loser: PriceCandidate, winner: PriceCandidate): string {
  if (specificity(loser) !== specificity(winner)) return `less specific (${describeScope(loser)}) than the price used`;
  if (loser.priority !== winner.priority) return `list priority ${loser.priority} is below ${winner.priority}`;
  if (loser.minQuantity !== winner.minQuantity) return `lower quantity tier (from ${loser.minQuantity} units)`;
  if (loser.amount !== winner.amount) return 'same rank, higher amount';
  return 'same rank and amount, later id';
}

/**
 * Resolves the unit price of one SKU for `quantity` units: among the prices whose scope matches,
 * that are valid at `ctx.at` (validFrom inclusive, validUntil exclusive) and whose tier is reached
 * (minQuantity ≤ quantity), the best by `compareCandidates`. None = no price: the SKU cannot be sold.
 * `candidates` are one SKU's prices in one currency from active lists.
 */
export function resolvePrice(candidates: PriceCandidate[], quantity: number, ctx: PriceContext): PriceResolution {
  const at = ctx.at.getTime();
  const applicable: PriceCandidate[] = [];
  const notUsed: PriceNotUsed[] = [];
  let nextChange = Infinity;
  for (const c of candidates) {
    if (!scopeMatches(c, ctx)) continue;
    const from = c.validFrom?.getTime() ?? -Infinity;
    const until = c.validUntil?.getTime() ?? Infinity;
    if (from > at) nextChange = Math.min(nextChange, from);
    if (until > at) nextChange = Math.min(nextChange, until);
    if (from > at) notUsed.push({ candidate: c, reason: `not valid before ${c.validFrom!.toISOString()}` });
    else if (until <= at) notUsed.push({ candidate: c, reason: `expired at ${c.validUntil!.toISOString()}` });
    else if (c.minQuantity > quantity) notUsed.push({ candidate: c, reason: `applies from ${c.minQuantity} units` });
    else applicable.push(c);
  }
  const nextChangeAt = Number.isFinite(nextChange) ? new Date(nextChange) : null;
  if (applicable.length === 0) {
    const scope = describeScope({ channel: ctx.channel, customerGroup: ctx.customerGroup, country: ctx.country });
    return { price: null, reason: `no price applies (asked for ${scope}, ${quantity} units)`, notUsed, nextChangeAt };
  }
  applicable.sort(compareCandidates);
  const [price, ...others] = applicable;
  for (const c of others) notUsed.push({ candidate: c, reason: rankedBelow(c, price) });
  // The price's scope, list and tier are in the explanation's fields; each other price says why it lost.
  const reason = applicable.length === 1 ? 'the only applicable price' : `the best of ${applicable.length} applicable prices`;
  return { price, reason, notUsed, nextChangeAt };
}

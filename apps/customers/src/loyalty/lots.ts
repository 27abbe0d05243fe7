/** A positive ledger entry whose points can still be spent: `remaining` of them, until `expiresAt`. */
export interface Lot {
  id: string;
  remaining: number;
  expiresAt: Date | null;
}

/** Lots in the order points are taken from them: soonest expiry first, never-expiring last, then oldest. */
export function spendingOrder(lots: Lot[]): Lot[] {
  return [...lots].sort((a, b) => {
    const ea = a.expiresAt?.getTime() ?? Infinity;
    const eb = b.expiresAt?.getTime() ?? Infinity;
    return ea !== eb ? ea - eb : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

/**
 * Takes `points` from the lots in spending order and returns each touched lot's new `remaining`.
 * The balance always equals the sum of `remaining`; a shortfall means that invariant broke, so it throws
 * and the transaction rolls back.
 */
export function takeFromLots(lots: Lot[], points: number): { id: string; remaining: number }[] {
  const changes: { id: string; remaining: number }[] = [];
  let left = points;
  for (const lot of spendingOrder(lots)) {
    if (left === 0) break;
    const taken = Math.min(lot.remaining, left);
    if (taken === 0) continue;
    changes.push({ id: lot.id, remaining: lot.remaining - taken });
    left -= taken;
  }
  if (left > 0) throw new Error(`loyalty lots hold ${points - left} points, fewer than the ${points} the balance allowed`);
  return changes;
}

/** Lots whose points have expired by `now` and are not spent yet. */
export function expiredLots(lots: Lot[], now: Date): Lot[] {
  return spendingOrder(lots).filter((l) => l.remaining > 0 && l.expiresAt !== null && l.expiresAt.getTime() <= now.getTime());
}

/** What a reservation asks for: units of one SKU. */
export interface WantedLine {
  sku: string;
  quantity: number;
}

/** A location that may serve the reservation, with what it has available per SKU. */
export interface Candidate {
  locationId: string;
  code: string;
  priority: number;
  available: Map<string, number>;
}

export interface PlannedLine {
  sku: string;
  locationId: string;
  quantity: number;
}

export interface Shortage {
  sku: string;
  requested: number;
  available: number;
}

export type Allocation = { plan: PlannedLine[] } | { shortages: Shortage[] };

/** Allocation order: lower priority number first, then code, so the outcome never depends on row order. */
export function byAllocationOrder(a: Candidate, b: Candidate): number {
  return a.priority - b.priority || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/**
 * The allocation rule (docs/inventory.md):
 * 1. the first location, in allocation order, that can serve every line alone (one parcel, one pickup);
 * 2. otherwise each line from the locations in allocation order, taking what each has until the line
 *    is covered (a line may be split over locations);
 * 3. a line that all candidates together cannot cover makes the whole reservation short.
 */
export function allocate(lines: WantedLine[], candidates: Candidate[]): Allocation {
  const ordered = [...candidates].sort(byAllocationOrder);
  const shortages = lines
    .map((line) => ({ sku: line.sku, requested: line.quantity, available: ordered.reduce((sum, c) => sum + (c.available.get(line.sku) ?? 0), 0) }))
    .filter((s) => s.available < s.requested);
  if (shortages.length) return { shortages };

  const single = ordered.find((c) => lines.every((line) => (c.available.get(line.sku) ?? 0) >= line.quantity));
  if (single) return { plan: lines.map((line) => ({ sku: line.sku, locationId: single.locationId, quantity: line.quantity })) };

  const plan: PlannedLine[] = [];
  for (const line of lines) {
    let missing = line.quantity;
    for (const c of ordered) {
      const take = Math.min(missing, c.available.get(line.sku) ?? 0);
      if (take <= 0) continue;
      plan.push({ sku: line.sku, locationId: c.locationId, quantity: take });
      missing -= take;
      if (missing === 0) break;
    }
  }
  return { plan };
}

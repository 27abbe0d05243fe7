import type { FieldProblem, OrderLine, OrderLineInput, ReturnLine } from '@omnibus/contracts';

/**
 * The refund for `quantity` more units of a line: the line's frozen total (after discounts) shared over
 * its units, rounded so that returning every unit, in any number of returns, refunds exactly the total.
 */
export function refundFor(line: Pick<OrderLine, 'total' | 'quantity'>, alreadyReturned: number, quantity: number): number {
  const share = (units: number) => (BigInt(line.total) * BigInt(units) * 2n + BigInt(line.quantity)) / (2n * BigInt(line.quantity));
  return Number(share(alreadyReturned + quantity) - share(alreadyReturned));
}

/** The returned lines with their refunds, or the problems naming each line that cannot be returned. */
export function planReturn(orderLines: OrderLine[], lines: OrderLineInput[]): { lines: ReturnLine[] } | { problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const planned: ReturnLine[] = [];
  lines.forEach((l, i) => {
    const bought = orderLines.find((o) => o.sku === l.sku);
    if (!bought) return void problems.push({ field: `lines.${i}.sku`, problem: `"${l.sku}" is not on this order` });
    const returnable = bought.quantity - bought.returnedQuantity;
    if (l.quantity > returnable) {
      return void problems.push({ field: `lines.${i}.quantity`, problem: `${l.quantity} is more than the ${returnable} of ${l.sku} that can still be returned (${bought.quantity} bought, ${bought.returnedQuantity} already returned)` });
    }
    planned.push({ sku: l.sku, quantity: l.quantity, refund: refundFor(bought, bought.returnedQuantity, l.quantity) });
  });
  return problems.length ? { problems } : { lines: planned };
}

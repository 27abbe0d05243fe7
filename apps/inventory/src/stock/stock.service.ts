import { Injectable } from '@nestjs/common';
import {
  AdjustStockRequest,
  BulkSetStockReply,
  BulkSetStockRequest,
  FieldProblem,
  InventoryEvents,
  ListMovementsRequest,
  MovementPage,
  MovementReason,
  ReceiveStockRequest,
  SetStockRequest,
  StockChangeCause,
  StockChangedEventData,
  StockLevel,
  StockReceipt,
  TransferStockReply,
  TransferStockRequest,
  newId,
} from '@omnibus/contracts';
import { Outbox, RpcError, Transaction } from '@omnibus/service-kit';
import { inTransaction } from '../db/transactions';
import { LocationsRepository } from '../locations/locations.repository';
import { decodeCursor, encodeCursor } from '../locations/locations.service';
import { SkusRepository } from '../skus/skus.repository';
import { LevelKey, LevelUpdate, NewMovement, StockRepository, emptyLevel, levelKey } from './stock.repository';

/** The `inventory.stock.changed` events of levels that changed, ready for `outbox.addMany`. */
export function stockChangedEvents(levels: StockLevel[], cause: StockChangeCause, reference?: string | null) {
  return levels.map((l) => ({
    type: InventoryEvents.stockChanged,
    data: {
      sku: l.sku,
      locationId: l.locationId,
      onHand: l.onHand,
      reserved: l.reserved,
      available: l.available,
      version: l.version,
      cause,
      ...(reference ? { reference } : {}),
    } satisfies StockChangedEventData,
  }));
}

/** Problems for the same (SKU, location) given twice in one feed, naming the later item. */
export function duplicateItemProblems(items: LevelKey[]): FieldProblem[] {
  const seen = new Map<string, number>();
  const problems: FieldProblem[] = [];
  items.forEach((item, i) => {
    const first = seen.get(levelKey(item));
    if (first !== undefined) problems.push({ field: `items.${i}`, problem: `repeats SKU "${item.sku}" at ${item.locationId} of items.${first}` });
    else seen.set(levelKey(item), i);
  });
  return problems;
}

function sameQuantities(a: { sku: string; quantity: number }[], b: { sku: string; quantity: number }[]): boolean {
  const byKey = new Map(a.map((l) => [l.sku, l.quantity]));
  return a.length === b.length && b.every((l) => byKey.get(l.sku) === l.quantity);
}

function validation(problems: FieldProblem[]): RpcError {
  const shown = problems.slice(0, 50);
  const more = problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : '';
  return new RpcError('VALIDATION', shown.map((p) => `${p.field}: ${p.problem}`).join('; ') + more, shown);
}

/** Stock levels: absolute sets, relative adjustments and transfers, each recorded as a movement. */
@Injectable()
export class StockService {
  constructor(
    private readonly repository: StockRepository,
    private readonly skus: SkusRepository,
    private readonly locations: LocationsRepository,
    private readonly outbox: Outbox,
  ) {}

  async set(req: SetStockRequest): Promise<StockLevel> {
    await this.checkInput([{ sku: req.sku, locationId: req.locationId }], (_, what) => what);
    const key = { sku: req.sku, locationId: req.locationId };
    return this.transaction(async (tx) => {
      const current = (await this.repository.lockLevels(tx, [key], req.onHand > 0 ? [key] : [])).get(levelKey(key)) ?? emptyLevel(key);
      if (current.onHand === req.onHand) return current;
      const [level] = await this.write(tx, [{ ...key, onHand: req.onHand, reserved: current.reserved, previousOnHand: current.onHand }], 'set', req.reason ?? 'count', req.reference);
      return level;
    });
  }

  async adjust(req: AdjustStockRequest): Promise<StockLevel> {
    await this.checkInput([{ sku: req.sku, locationId: req.locationId }], (_, what) => what);
    const key = { sku: req.sku, locationId: req.locationId };
    return this.transaction(async (tx) => {
      const current = (await this.repository.lockLevels(tx, [key], req.delta > 0 ? [key] : [])).get(levelKey(key)) ?? emptyLevel(key);
      const onHand = current.onHand + req.delta;
      if (onHand < 0) {
        throw new RpcError('CONFLICT', `SKU ${req.sku} has ${current.onHand} on hand at ${req.locationId}: cannot remove ${-req.delta}`, [
          { field: 'delta', problem: `would leave ${onHand} on hand (${current.onHand} there now)` },
        ]);
      }
      const [level] = await this.write(tx, [{ ...key, onHand, reserved: current.reserved, previousOnHand: current.onHand }], 'adjust', req.reason, req.reference);
      return level;
    });
  }

  async transfer(req: TransferStockRequest): Promise<TransferStockReply> {
    if (req.fromLocationId === req.toLocationId) throw validation([{ field: 'toLocationId', problem: 'must differ from fromLocationId' }]);
    const from = { sku: req.sku, locationId: req.fromLocationId };
    const to = { sku: req.sku, locationId: req.toLocationId };
    await this.checkInput([from, to], (i, what) => (what === 'sku' ? 'sku' : i === 0 ? 'fromLocationId' : 'toLocationId'));
    return this.transaction(async (tx) => {
      const locked = await this.repository.lockLevels(tx, [from, to], [to]);
      const source = locked.get(levelKey(from)) ?? emptyLevel(from);
      const target = locked.get(levelKey(to)) ?? emptyLevel(to);
      // Only unreserved units move: reserved ones are promised to a customer at the source.
      if (source.available < req.quantity) {
        throw new RpcError('CONFLICT', `SKU ${req.sku} has ${source.available} available at ${req.fromLocationId}: cannot transfer ${req.quantity}`, [
          { field: 'quantity', problem: `is more than the ${source.available} available at the source` },
        ]);
      }
      const levels = await this.write(
        tx,
        [
          { ...from, onHand: source.onHand - req.quantity, reserved: source.reserved, previousOnHand: source.onHand },
          { ...to, onHand: target.onHand + req.quantity, reserved: target.reserved, previousOnHand: target.onHand },
        ],
        'transfer',
        'transfer',
        req.reference,
      );
      const [fromLevel, toLevel] = [req.fromLocationId, req.toLocationId].map((id) => levels.find((l) => l.locationId === id) ?? emptyLevel({ sku: req.sku, locationId: id }));
      return { from: fromLevel, to: toLevel };
    });
  }

  /** Adds every line at one location, once per key: a repeated key answers with the first receipt. */
  async receive(req: ReceiveStockRequest): Promise<StockReceipt> {
    const keys = req.lines.map((l) => ({ sku: l.sku, locationId: req.locationId }));
    await this.checkInput(keys, (i, what) => (what === 'sku' ? `lines.${i}.sku` : 'locationId'));
    return this.transaction(async (tx) => {
      const first = await this.repository.recordReceipt(tx, req);
      if (first) {
        const same = first.locationId === req.locationId && sameQuantities(first.lines, req.lines);
        if (!same) throw new RpcError('CONFLICT', `receipt key ${req.key} was used for other lines or another location`, [{ field: 'key', problem: 'is already used for other lines or another location' }]);
        return { key: req.key, locationId: first.locationId, reason: first.reason, lines: first.lines, repeated: true, levels: [] };
      }
      const locked = await this.repository.lockLevels(tx, keys, keys);
      const updates = req.lines.map((l) => {
        const current = locked.get(levelKey({ sku: l.sku, locationId: req.locationId })) ?? emptyLevel({ sku: l.sku, locationId: req.locationId });
        return { sku: l.sku, locationId: req.locationId, onHand: current.onHand + l.quantity, reserved: current.reserved, previousOnHand: current.onHand };
      });
      const levels = await this.write(tx, updates, 'adjust', req.reason, req.reference ?? req.key);
      return { key: req.key, locationId: req.locationId, reason: req.reason, lines: req.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })), repeated: false, levels };
    });
  }

  async bulkSet(req: BulkSetStockRequest): Promise<BulkSetStockReply> {
    const duplicates = duplicateItemProblems(req.items);
    if (duplicates.length) throw validation(duplicates);
    await this.checkInput(req.items, (i, what) => `items.${i}.${what}`);
    const changed = await this.transaction(async (tx) => {
      const locked = await this.repository.lockLevels(tx, req.items, req.items.filter((i) => i.onHand > 0));
      const updates = req.items.flatMap((item) => {
        const current = locked.get(levelKey(item)) ?? emptyLevel(item);
        return current.onHand === item.onHand ? [] : [{ sku: item.sku, locationId: item.locationId, onHand: item.onHand, reserved: current.reserved, previousOnHand: current.onHand }];
      });
      await this.write(tx, updates, 'bulk-set', req.reason ?? 'count', req.reference);
      return updates.length;
    });
    return { received: req.items.length, changed, unchanged: req.items.length - changed };
  }

  async listMovements(req: ListMovementsRequest): Promise<MovementPage> {
    const limit = req.limit ?? 50;
    const rows = await this.repository.listMovements(this.repository.db, {
      sku: req.sku,
      locationId: req.locationId,
      reference: req.reference,
      beforeId: req.cursor ? decodeCursor(req.cursor, 'mov') : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return { items: page, nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null };
  }

  /**
   * Writes new figures of locked levels, records a movement for each on-hand change and queues one
   * `inventory.stock.changed` per level, all in `tx`. Returns the levels as stored.
   */
  async write(
    tx: Transaction,
    updates: (LevelUpdate & { previousOnHand: number })[],
    cause: StockChangeCause,
    reason: MovementReason | null,
    reference: string | null | undefined,
    extraEvents: { type: string; data: unknown }[] = [],
  ): Promise<StockLevel[]> {
    const levels = await this.repository.writeLevels(tx, updates);
    if (reason) {
      const movements: (NewMovement & { id: string })[] = updates
        .filter((u) => u.onHand !== u.previousOnHand)
        .map((u) => ({ id: newId('mov'), sku: u.sku, locationId: u.locationId, delta: u.onHand - u.previousOnHand, onHandAfter: u.onHand, reason, reference: reference ?? null }));
      await this.repository.insertMovements(tx, movements);
    }
    await this.outbox.addMany(tx, [...extraEvents, ...stockChangedEvents(levels, cause, reference)]);
    return levels;
  }

  /** Refuses SKUs the catalog does not know and locations that do not exist, naming each. */
  private async checkInput(keys: LevelKey[], fieldOf: (index: number, what: 'sku' | 'locationId') => string): Promise<void> {
    const skus = [...new Set(keys.map((k) => k.sku))];
    const locationIds = [...new Set(keys.map((k) => k.locationId))];
    const [known, locations] = await Promise.all([this.skus.statesOf(this.repository.db, skus), this.locations.findByIds(this.repository.db, locationIds)]);
    const existing = new Set(locations.map((l) => l.id));
    const problems: FieldProblem[] = [];
    keys.forEach((k, i) => {
      if (!known.has(k.sku)) problems.push({ field: fieldOf(i, 'sku'), problem: `"${k.sku}" is not a SKU the catalog knows` });
      if (!existing.has(k.locationId)) problems.push({ field: fieldOf(i, 'locationId'), problem: `"${k.locationId}" is not a known location` });
    });
    const seen = new Set<string>();
    const unique = problems.filter((p) => !seen.has(`${p.field}\u0000${p.problem}`) && !!seen.add(`${p.field}\u0000${p.problem}`));
    if (unique.length) throw validation(unique);
  }

  private transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return inTransaction(this.repository.db, this.outbox, work);
  }
}

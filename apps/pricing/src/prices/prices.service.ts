import { Injectable } from '@nestjs/common';
import {
  CreatePriceListRequest,
  CreatePriceRequest,
  DeletePriceListRequest,
  DeletePriceRequest,
  FieldProblem,
  GetPriceListRequest,
  GetPriceRequest,
  ListPriceListsRequest,
  ListPricesRequest,
  Price,
  PriceChangedEventData,
  PriceInput,
  PriceList,
  PriceListChangedEventData,
  PriceListPage,
  PricePage,
  PricingEvents,
  ResolvePricesRequest,
  ResolvedPrices,
  UpdatePriceListRequest,
  UpdatePriceRequest,
  UpsertPricesRequest,
  UpsertPricesResult,
  newId,
} from '@omnibus/contracts';
import { Outbox, RpcError, Transaction } from '@omnibus/service-kit';
import { dateOrNull, decodeCursor, encodeCursor, sameInstant, validationError } from '../cursor';
import { QuoteDataCache } from '../quotes/quote-data-cache';
import { PriceCandidate, resolvePrice } from './price-resolution';
import { PriceListRow, PriceRow } from './prices.schema';
import { PriceKey, PricesRepository, priceKeyOf, toPrice, toPriceList } from './prices.repository';

/** A price input with its scope normalised (absent = null, currency and country upper-case, minQuantity 1). */
export function normalisePrice(input: PriceInput): PriceKey & { amount: number; validFrom: Date | null; validUntil: Date | null } {
  return {
    sku: input.sku,
    currency: input.currency.toUpperCase(),
    channel: input.channel ?? null,
    customerGroup: input.customerGroup ?? null,
    country: input.country ? input.country.toUpperCase() : null,
    minQuantity: input.minQuantity ?? 1,
    amount: input.amount,
    validFrom: dateOrNull(input.validFrom),
    validUntil: dateOrNull(input.validUntil),
  };
}

/**
 * Tiers are ambiguous when two prices of one request share SKU, currency, channel, customer group,
 * country and minQuantity: the later one is named. (A tier runs up to the next tier's minQuantity, so
 * distinct minQuantities never overlap.)
 */
export function duplicateTierProblems(inputs: PriceInput[], field = 'prices'): FieldProblem[] {
  const seen = new Map<string, number>();
  const problems: FieldProblem[] = [];
  inputs.forEach((input, i) => {
    const key = priceKeyOf(normalisePrice(input));
    const first = seen.get(key);
    if (first !== undefined) problems.push({ field: `${field}.${i}.minQuantity`, problem: `overlaps ${field}.${first}: same SKU, currency, channel, customer group, country and minQuantity` });
    else seen.set(key, i);
  });
  return problems;
}

function changedEvent(change: PriceChangedEventData['change'], before: PriceRow | null, after: PriceRow | null): PriceChangedEventData {
  const row = (after ?? before)!;
  return {
    change,
    sku: row.sku,
    scope: { priceListId: row.priceListId, currency: row.currency, channel: row.channel, customerGroup: row.customerGroup, country: row.country, minQuantity: row.minQuantity },
    oldAmount: before ? Number(before.amount) : null,
    newAmount: after ? Number(after.amount) : null,
    price: after ? toPrice(after) : null,
  };
}

/** Price lists and prices: every change in one transaction with its events in the outbox. */
@Injectable()
export class PricesService {
  constructor(
    private readonly repository: PricesRepository,
    private readonly outbox: Outbox,
    private readonly quoteData: QuoteDataCache,
  ) {}

  // ------------------------------------------------------------------ price lists

  async createList(req: CreatePriceListRequest): Promise<PriceList> {
    const now = new Date();
    const row: PriceListRow = {
      id: newId('prl'),
      name: req.name,
      description: req.description ?? '',
      priority: req.priority ?? 0,
      status: req.status ?? 'active',
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    return this.transaction(() => undefined, async (tx) => {
      await this.repository.insertList(tx, row);
      const list = toPriceList(row, 0);
      await this.outbox.add<PriceListChangedEventData>(tx, PricingEvents.priceListChanged, { change: 'created', priceList: list });
      return list;
    });
  }

  async updateList(req: UpdatePriceListRequest): Promise<PriceList> {
    const { changes } = req;
    return this.transaction(() => this.quoteData.clearPrices(), async (tx) => {
      const set: Partial<PriceListRow> = {};
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.description !== undefined) set.description = changes.description;
      if (changes.priority !== undefined) set.priority = changes.priority;
      if (changes.status !== undefined) set.status = changes.status;
      const row = await this.repository.updateListIfVersion(tx, req.id, req.expectedVersion, set);
      if (!row) throw await this.listMissingOrStale(tx, req.id, req.expectedVersion);
      const counts = await this.repository.priceCounts(tx, [row.id]);
      const list = toPriceList(row, counts.get(row.id) ?? 0);
      await this.outbox.add<PriceListChangedEventData>(tx, PricingEvents.priceListChanged, { change: 'updated', priceList: list });
      return list;
    });
  }

  /** Deletes the list and its prices; each price's deletion is a `pricing.price.changed` event. */
  async deleteList(req: DeletePriceListRequest): Promise<PriceList> {
    return this.transaction(() => this.quoteData.clearPrices(), async (tx) => {
      const row = await this.repository.lockList(tx, req.id);
      if (!row) throw new RpcError('NOT_FOUND', `price list ${req.id} does not exist`);
      if (req.expectedVersion !== undefined && req.expectedVersion !== row.version) throw await this.listMissingOrStale(tx, req.id, req.expectedVersion);
      const deleted = await this.repository.deletePricesOfList(tx, row.id);
      await this.repository.deleteList(tx, row.id);
      const list = toPriceList(row, 0);
      await this.outbox.addMany(tx, [
        ...deleted.map((p) => ({ type: PricingEvents.priceChanged, data: changedEvent('deleted', p, null) })),
        { type: PricingEvents.priceListChanged, data: { change: 'deleted', priceList: list } satisfies PriceListChangedEventData },
      ]);
      return list;
    });
  }

  async getList(req: GetPriceListRequest): Promise<PriceList> {
    const row = await this.repository.findList(this.repository.db, req.id);
    if (!row) throw new RpcError('NOT_FOUND', `price list ${req.id.slice(0, 64)} does not exist`);
    const counts = await this.repository.priceCounts(this.repository.db, [row.id]);
    return toPriceList(row, counts.get(row.id) ?? 0);
  }

  async listLists(req: ListPriceListsRequest): Promise<PriceListPage> {
    const limit = req.limit ?? 20;
    const rows = await this.repository.listLists(this.repository.db, req.cursor ? decodeCursor(req.cursor, 'prl') : undefined, limit + 1);
    const page = rows.slice(0, limit);
    const counts = await this.repository.priceCounts(this.repository.db, page.map((r) => r.id));
    return { items: page.map((r) => toPriceList(r, counts.get(r.id) ?? 0)), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null };
  }

  // ------------------------------------------------------------------ prices

  async createPrice(req: CreatePriceRequest): Promise<Price> {
    const input = normalisePrice(req);
    return this.transaction(() => this.quoteData.evict([input.sku]), async (tx) => {
      // Locking the list serialises writers of one list, so a scope cannot be inserted twice meanwhile.
      const list = await this.repository.lockList(tx, req.priceListId);
      if (!list) throw validationError([{ field: 'priceListId', problem: `is not a price list that exists (${req.priceListId})` }]);
      const [existing] = await this.repository.findByKeys(tx, list.id, [input]);
      if (existing) {
        throw new RpcError('CONFLICT', `price ${existing.id} of list ${list.id} already has this SKU, currency, channel, customer group, country and minQuantity: update it instead`, [
          { field: 'minQuantity', problem: `overlaps the tier of price ${existing.id} (same SKU, currency, channel, customer group, country and minQuantity)` },
        ]);
      }
      const now = new Date();
      const row: PriceRow = { id: newId('prc'), priceListId: list.id, ...input, version: 1, createdAt: now, updatedAt: now };
      await this.repository.insertPrices(tx, [row]);
      await this.outbox.add<PriceChangedEventData>(tx, PricingEvents.priceChanged, changedEvent('created', null, row));
      return toPrice(row);
    });
  }

  async updatePrice(req: UpdatePriceRequest): Promise<Price> {
    const { changes } = req;
    return this.transaction((price) => this.quoteData.evict([price.sku]), async (tx) => {
      const current = await this.repository.findPriceForUpdate(tx, req.id);
      if (!current) throw new RpcError('NOT_FOUND', `price ${req.id} does not exist`);
      if (current.version !== req.expectedVersion) throw staleVersion('price', req.id, req.expectedVersion, current.version);
      const next = {
        amount: changes.amount ?? Number(current.amount),
        validFrom: changes.validFrom !== undefined ? dateOrNull(changes.validFrom) : current.validFrom,
        validUntil: changes.validUntil !== undefined ? dateOrNull(changes.validUntil) : current.validUntil,
      };
      if (next.validFrom && next.validUntil && next.validUntil <= next.validFrom) {
        const field = changes.validUntil !== undefined ? 'changes.validUntil' : 'changes.validFrom';
        throw validationError([{ field, problem: `would make the window end (${next.validUntil.toISOString()}) at or before its start (${next.validFrom.toISOString()})` }]);
      }
      // Nothing changes: nothing is written and no event is emitted.
      if (next.amount === Number(current.amount) && sameInstant(next.validFrom, current.validFrom) && sameInstant(next.validUntil, current.validUntil)) return toPrice(current);
      const row = await this.repository.updatePrice(tx, current.id, next);
      await this.outbox.add<PriceChangedEventData>(tx, PricingEvents.priceChanged, changedEvent('updated', current, row));
      return toPrice(row);
    });
  }

  async deletePrice(req: DeletePriceRequest): Promise<Price> {
    return this.transaction((price) => this.quoteData.evict([price.sku]), async (tx) => {
      const current = await this.repository.findPriceForUpdate(tx, req.id);
      if (!current) throw new RpcError('NOT_FOUND', `price ${req.id} does not exist`);
      if (req.expectedVersion !== undefined && current.version !== req.expectedVersion) throw staleVersion('price', req.id, req.expectedVersion, current.version);
      await this.repository.deletePrice(tx, current.id);
      await this.outbox.add<PriceChangedEventData>(tx, PricingEvents.priceChanged, changedEvent('deleted', current, null));
      return toPrice(current);
    });
  }

  async getPrice(req: GetPriceRequest): Promise<Price> {
    const row = await this.repository.findPrice(this.repository.db, req.id);
    if (!row) throw new RpcError('NOT_FOUND', `price ${req.id.slice(0, 64)} does not exist`);
    return toPrice(row);
  }

  async listPrices(req: ListPricesRequest): Promise<PricePage> {
    const limit = req.limit ?? 50;
    const rows = await this.repository.listPrices(this.repository.db, {
      priceListId: req.priceListId,
      sku: req.sku,
      afterId: req.cursor ? decodeCursor(req.cursor, 'prc') : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return { items: page.map(toPrice), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null };
  }

  /**
   * Creates or updates prices of one list, matched by scope. A price whose amount and window are the
   * same as stored is not written and emits no event; the others emit one `pricing.price.changed` each.
   */
  async upsertPrices(req: UpsertPricesRequest): Promise<UpsertPricesResult> {
    const problems = duplicateTierProblems(req.prices);
    if (problems.length) throw validationError(problems);
    const inputs = req.prices.map(normalisePrice);
    const written: string[] = [];
    return this.transaction(() => this.quoteData.evict(written), async (tx) => {
      const list = await this.repository.lockList(tx, req.priceListId);
      if (!list) throw new RpcError('NOT_FOUND', `price list ${req.priceListId} does not exist`);
      const stored = new Map((await this.repository.findByKeys(tx, list.id, inputs)).map((r) => [priceKeyOf(r), r]));
      const now = new Date();
      const created: PriceRow[] = [];
      const changed: { before: PriceRow; next: Pick<PriceRow, 'id' | 'amount' | 'validFrom' | 'validUntil'> }[] = [];
      for (const input of inputs) {
        const before = stored.get(priceKeyOf(input));
        if (!before) created.push({ id: newId('prc'), priceListId: list.id, ...input, version: 1, createdAt: now, updatedAt: now });
        else if (Number(before.amount) !== input.amount || !sameInstant(before.validFrom, input.validFrom) || !sameInstant(before.validUntil, input.validUntil)) {
          changed.push({ before, next: { id: before.id, amount: input.amount, validFrom: input.validFrom, validUntil: input.validUntil } });
        }
      }
      written.push(...created.map((r) => r.sku), ...changed.map((c) => c.before.sku));
      await this.repository.insertPrices(tx, created);
      const updated = new Map((await this.repository.updatePrices(tx, changed.map((c) => c.next))).map((r) => [r.id, r]));
      await this.outbox.addMany(tx, [
        ...created.map((row) => ({ type: PricingEvents.priceChanged, data: changedEvent('created', null, row) })),
        ...changed.map((c) => ({ type: PricingEvents.priceChanged, data: changedEvent('updated', c.before, updated.get(c.before.id)!) })),
      ]);
      return { priceListId: list.id, received: inputs.length, created: created.length, updated: changed.length, unchanged: inputs.length - created.length - changed.length };
    });
  }

  /** The unit price of each SKU for one context and quantity (product pages). */
  async resolve(req: ResolvePricesRequest): Promise<ResolvedPrices> {
    const at = new Date();
    const scope = { channel: req.channel ?? null, customerGroup: req.customerGroup ?? null, country: req.country?.toUpperCase() ?? null };
    const currency = req.currency.toUpperCase();
    const candidates = await this.repository.candidates(req.skus, currency, scope, at);
    const bySku = groupBySku(candidates);
    let nextChange = Infinity;
    const resolved = req.skus.map((sku) => {
      const result = resolvePrice(bySku.get(sku) ?? [], req.quantity ?? 1, { ...scope, at });
      if (result.nextChangeAt) nextChange = Math.min(nextChange, result.nextChangeAt.getTime());
      return { sku, amount: result.price?.amount ?? null, priceId: result.price?.id ?? null, priceListId: result.price?.priceListId ?? null };
    });
    return { currency, prices: resolved, nextChangeAt: Number.isFinite(nextChange) ? new Date(nextChange).toISOString() : null };
  }

  private async listMissingOrStale(tx: Transaction, id: string, expected: number): Promise<RpcError> {
    const version = await this.repository.listVersionOf(tx, id);
    if (version === null) return new RpcError('NOT_FOUND', `price list ${id} does not exist`);
    return staleVersion('price list', id, expected, version);
  }

  /**
   * Runs `work` in a transaction, wakes the outbox relay after commit, and lets this replica's quotes
   * forget what changed before answering (other replicas learn it from the event).
   */
  private async transaction<T>(committed: (result: T) => void, work: (tx: Transaction) => Promise<T>): Promise<T> {
    const result = await this.repository.db.transaction(work);
    this.outbox.committed();
    committed(result);
    return result;
  }
}

export function groupBySku(candidates: PriceCandidate[]): Map<string, PriceCandidate[]> {
  const bySku = new Map<string, PriceCandidate[]>();
  for (const c of candidates) {
    const list = bySku.get(c.sku);
    if (list) list.push(c);
    else bySku.set(c.sku, [c]);
  }
  return bySku;
}

export function staleVersion(what: string, id: string, expected: number, actual: number): RpcError {
  return new RpcError('VERSION_CONFLICT', `${what} ${id} is at version ${actual}, not ${expected}: read it again and retry`, [
    { field: 'version', problem: `is ${expected} but the ${what} is at version ${actual}` },
  ]);
}

import { Inject, Injectable } from '@nestjs/common';
import {
  CompanyOrderAuthorization,
  Customer,
  CustomersSubjects,
  FieldProblem,
  InventorySubjects,
  Order,
  OrderEventData,
  OrderLine,
  OrderStatusChange,
  PlaceOrderRequest,
  PlacedOrder,
  PricingSubjects,
  Quote,
  Reservation,
  RpcErrorBody,
  newId,
} from '@omnibus/contracts';
import { LOGGER, Outbox, RemoteError, RpcError, SERVICE_CONFIG, ServiceClient } from '@omnibus/service-kit';
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { OrdersConfig } from '../config';
import { actorOf } from '../orders/access';
import { EVENT_OF_STATUS } from '../orders/order-events';
import { OrdersRepository, toOrder } from '../orders/orders.repository';
import { OrderRow } from '../orders/orders.schema';
import { SERVICES } from '../services';
import { CheckoutRepository } from './checkout.repository';
import { CheckoutProgress, CheckoutRow } from './checkout.schema';

/** A step's definite "no": the checkout is undone and this error is its answer. */
class CheckoutRefused extends Error {
  /** `nothingReserved`: the inventory refused this checkout's reservation, so none exists under its key. */
  constructor(
    readonly body: RpcErrorBody,
    readonly nothingReserved = false,
  ) {
    super(body.message);
  }
}

/** A checkout as a run left it; `order` when it ended with one. */
type DrivenCheckout = CheckoutRow & { order?: Order };

/** Another runner holds the checkout now (this one was too slow, or it was taken over). */
class LeaseLost extends Error {}

/** The reservation and coupon redemption keys derive from the order id, so every retry is the same command. */
export const reservationKeyOf = (orderId: string) => `order-${orderId}`;

/** The request as it is compared for the idempotency key: everything but the key, in a stable form. */
export function requestHash(req: PlaceOrderRequest): string {
  const { idempotencyKey: _key, ...rest } = req;
  return createHash('sha256').update(stableJson(rest)).digest('base64url');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Problems with the shape of a checkout that need no other service to find. */
export function checkoutShapeProblems(req: PlaceOrderRequest): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const { type, locationId, address } = req.fulfilment;
  if (type === 'pickup' && !locationId) problems.push({ field: 'fulfilment.locationId', problem: 'is required for a pickup: the store to collect from' });
  if (type !== 'pickup' && locationId) problems.push({ field: 'fulfilment.locationId', problem: `is only for pickup orders, not ${type}` });
  if (type === 'delivery' && !address) problems.push({ field: 'fulfilment.address', problem: 'is required for a delivery' });
  if (type !== 'delivery' && address) problems.push({ field: 'fulfilment.address', problem: `is only for delivery orders, not ${type}` });
  const { caller } = req;
  if (caller.kind === 'customer' && req.customerId && req.customerId !== caller.customerId) {
    problems.push({ field: 'customerId', problem: 'must be you: a customer orders for themselves' });
  }
  if (caller.kind === 'channel' && req.customerId) {
    problems.push({ field: 'customerId', problem: 'can only be named by staff and admin keys; a customer orders with their token' });
  }
  return problems;
}

/**
 * Checkout as a saga whose progress is stored in `checkouts`:
 *
 *   price    customer (exists; group; company) → quote → B2B spending limit → coupon redemptions
 *   reserve  stock at the chosen store (pickup) or by the allocation rule
 *   record   the order, placed and confirmed, with its events — in one transaction with the step
 *
 * A definite refusal undoes what was done (reservation and coupon uses released, both by keys derived
 * from the order id, so undoing something that never happened is harmless). An unreachable service is
 * retried; a crash leaves the checkout to the recovery loop, which finishes or undoes it.
 */
@Injectable()
export class CheckoutService {
  constructor(
    private readonly repository: CheckoutRepository,
    private readonly orders: OrdersRepository,
    private readonly outbox: Outbox,
    @Inject(SERVICES) private readonly services: ServiceClient,
    @Inject(SERVICE_CONFIG) private readonly config: OrdersConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async place(req: PlaceOrderRequest): Promise<PlacedOrder> {
    if (req.caller.kind === 'customer') req.customerId = req.caller.customerId;
    const problems = checkoutShapeProblems(req);
    if (problems.length) throw new RpcError('VALIDATION', problems.map((p) => `${p.field}: ${p.problem}`).join('; '), problems);
    const hash = requestHash(req);

    const now = new Date();
    const token = randomUUID();
    const row: CheckoutRow = {
      id: newId('ord'),
      channel: req.channel,
      idempotencyKey: req.idempotencyKey,
      requestHash: hash,
      request: req,
      externalId: req.externalId ?? null,
      status: 'running',
      step: 'price',
      progress: {},
      error: null,
      leaseToken: token,
      leaseUntil: this.leaseFrom(now),
      attempts: 1,
      createdAt: now,
      updatedAt: now,
    };
    if (!(await this.repository.insert(row))) {
      // A key seen before, or a marketplace order imported before (under another key).
      const byKey = await this.repository.findByKey(req.channel, req.idempotencyKey);
      if (byKey) return this.replay(byKey, hash);
      const imported = req.externalId ? await this.repository.findByExternalId(req.channel, req.externalId) : undefined;
      if (imported) return this.replayImport(imported);
      throw new RpcError('UNAVAILABLE', 'the checkout collided with another one and was not started: retry with the same Idempotency-Key');
    }
    return this.runToAnswer(row, token);
  }

  /** Continues a checkout the recovery loop claimed; never throws. */
  async resume(row: CheckoutRow): Promise<void> {
    const token = row.leaseToken as string;
    try {
      const givenUp = row.status === 'running' && Date.now() - new Date(row.createdAt).getTime() > this.config.CHECKOUT_GIVE_UP_MS;
      if (givenUp && row.step !== 'record') {
        row = await this.fail(row, token, { code: 'UNAVAILABLE', message: `the checkout could not reach a service for ${Math.round(this.config.CHECKOUT_GIVE_UP_MS / 1000)} s and was undone: place the order again` });
      }
      const done = await this.drive(row, token);
      this.logger.info({ checkout: row.id, status: done.status }, 'checkout resumed');
    } catch (err) {
      if (err instanceof LeaseLost) return;
      this.logger.warn({ checkout: row.id, err: (err as Error).message }, 'checkout still cannot go on; the recovery loop tries again');
      await this.repository.save(this.repository.db, row.id, token, { leaseUntil: this.backoff(row.attempts) }).catch(() => undefined);
    }
  }

  /** Runs the checkout and turns its end into the caller's answer. */
  private async runToAnswer(row: CheckoutRow, token: string): Promise<PlacedOrder> {
    let done: CheckoutRow;
    try {
      done = await this.drive(row, token);
    } catch (err) {
      if (err instanceof LeaseLost) throw pending(row.id);
      // A service could not be reached at a point where giving up could leave stock or a coupon use
      // behind: the recovery loop goes on with it (from the next lease), the client retries the key.
      this.logger.warn({ checkout: row.id, err: (err as Error).message }, 'checkout pending: a service did not answer');
      await this.repository.save(this.repository.db, row.id, token, { leaseUntil: this.backoff(1) }).catch(() => undefined);
      throw pending(row.id);
    }
    return this.answer(done, false);
  }

  private async answer(row: DrivenCheckout, replayed: boolean): Promise<PlacedOrder> {
    if (row.status === 'failed') throw new RpcError(row.error?.code ?? 'INTERNAL', row.error?.message ?? 'the checkout failed', row.error?.details);
    if (row.order) return { order: row.order, replayed };
    const order = await this.orders.find(this.orders.db, row.id);
    if (!order) throw pending(row.id);
    return { order: toOrder(order), replayed };
  }

  /** A request with a key seen before: the first answer, if it is the same request and has one. */
  private async replay(earlier: CheckoutRow, hash: string): Promise<PlacedOrder> {
    if (earlier.requestHash !== hash) {
      throw new RpcError('UNPROCESSABLE', 'this Idempotency-Key was used for a different order request: use a new key for a new order', [
        { field: 'Idempotency-Key', problem: `was used for another request (checkout ${earlier.id})` },
      ]);
    }
    if (earlier.status === 'running' || earlier.status === 'compensating') {
      throw new RpcError('CONFLICT', `the checkout with this Idempotency-Key is still running (${earlier.id}): retry in a moment`, [
        { field: 'Idempotency-Key', problem: 'belongs to a checkout that is still running' },
      ]);
    }
    if (earlier.status === 'failed' && earlier.error?.code === 'UNAVAILABLE') {
      // It failed only because a service was down, and was undone: try again.
      const token = randomUUID();
      const restarted = await this.repository.restart(earlier.id, token, this.leaseFrom(new Date()));
      if (restarted) return this.runToAnswer(restarted, token);
      return this.replay((await this.repository.findByKey(earlier.channel, earlier.idempotencyKey)) as CheckoutRow, hash);
    }
    return this.answer(earlier, true);
  }

  /** A marketplace order imported before (under another key): the order it became. */
  private async replayImport(imported: CheckoutRow): Promise<PlacedOrder> {
    if (imported.status !== 'completed') {
      throw new RpcError('CONFLICT', `external order ${imported.externalId} is being imported right now (${imported.id}): retry in a moment`, [
        { field: 'externalId', problem: 'is being imported by another request' },
      ]);
    }
    return this.answer(imported, true);
  }

  /** Advances until completed or failed; throws LeaseLost, or a RemoteError when a service stays unreachable. */
  private async drive(row: CheckoutRow, token: string): Promise<DrivenCheckout> {
    let current: DrivenCheckout = row;
    while (current.status === 'running') {
      try {
        current = await this.advance(current, token);
      } catch (err) {
        if (!(err instanceof CheckoutRefused)) throw err;
        // Refused for stock with no coupon used: there is nothing to undo (most refusals in a sell-out).
        if (err.nothingReserved && !row.request.couponCodes?.length) {
          this.logger.info({ checkout: row.id, code: err.body.code, reason: err.body.message }, 'checkout refused');
          current = await this.save(current, token, { status: 'failed', error: err.body });
        } else {
          current = await this.fail(current, token, err.body);
        }
      }
    }
    while (current.status === 'compensating') current = await this.compensate(current, token);
    return current;
  }

  /**
   * One step. Only the first and the last state are written: every step in between is idempotent (a
   * quote; redemptions and the reservation keyed by the order id), so a checkout taken over after a
   * crash simply runs them again from `price`, and undoing releases by key whatever may exist.
   */
  private async advance(row: CheckoutRow, token: string): Promise<DrivenCheckout> {
    const req = row.request;
    switch (row.step) {
      case 'price': {
        const customer = req.customerId ? await this.customer(req.customerId) : null;
        const quote = await this.quote(req, customer?.pricingGroup);
        if (customer?.companyId) await this.authorize(customer.id, customer.companyId, quote);
        for (const code of acceptedCoupons(quote)) await this.redeemCoupon(row.id, code, req.customerId);
        return { ...row, step: 'reserve', progress: { customer, quote } };
      }
      case 'reserve': {
        const reservation = await this.reserve(row);
        return { ...row, step: 'record', progress: { ...row.progress, reservation } };
      }
      case 'record':
        return this.record(row, token);
      default:
        throw new Error(`checkout ${row.id} is running at step ${row.step}`);
    }
  }

  // ------------------------------------------------------------------ steps

  private async customer(id: string): Promise<NonNullable<CheckoutProgress['customer']>> {
    const customer = await this.call<Customer>('customer', CustomersSubjects.getCustomer, { id }, (body) =>
      body.code === 'NOT_FOUND' || body.code === 'VALIDATION' ? refusal('VALIDATION', 'customerId', `${id} is not a customer`) : undefined,
    );
    if (customer.erasedAt) throw refusal('VALIDATION', 'customerId', `${id} was erased and cannot order`);
    return { id: customer.id, pricingGroup: customer.pricingGroup, companyId: customer.company?.id ?? null };
  }

  private async quote(req: PlaceOrderRequest, customerGroup: string | undefined): Promise<Quote> {
    const quote = await this.call<Quote>(
      'quote',
      PricingSubjects.calculateQuote,
      {
        currency: req.currency,
        channel: req.channel,
        ...(req.customerId ? { customerId: req.customerId } : {}),
        ...(customerGroup ? { customerGroup } : {}),
        ...((req.country ?? req.fulfilment.address?.country) ? { country: req.country ?? req.fulfilment.address?.country } : {}),
        ...(req.couponCodes?.length ? { couponCodes: req.couponCodes } : {}),
        lines: req.lines,
        explain: false,
      },
      (body) => (body.code === 'VALIDATION' ? new CheckoutRefused(body) : undefined),
    );
    const problems: FieldProblem[] = [];
    quote.lines.forEach((l, i) => {
      if (l.unitPrice === null) problems.push({ field: `lines.${i}.sku`, problem: `${l.sku} has no price in ${req.currency} for channel ${req.channel}: it cannot be sold` });
    });
    (req.couponCodes ?? []).forEach((code, i) => {
      const outcome = quote.explanation.coupons.find((c) => c.code === code.toUpperCase());
      if (outcome && !outcome.accepted) problems.push({ field: `couponCodes.${i}`, problem: outcome.reason });
    });
    if (problems.length) throw new CheckoutRefused({ code: 'VALIDATION', message: problems.map((p) => `${p.field}: ${p.problem}`).join('; '), details: problems });
    return quote;
  }

  private async authorize(customerId: string, companyId: string, quote: Quote): Promise<void> {
    const decision = await this.call<CompanyOrderAuthorization>('B2B check', CustomersSubjects.authorizeCompanyOrder, { customerId, companyId, amount: { amount: quote.total, currency: quote.currency } });
    if (!decision.allowed) {
      throw new CheckoutRefused({ code: 'FORBIDDEN', message: decision.message, details: [{ field: decision.reason === 'over-limit' ? 'total' : 'customerId', problem: decision.message }] });
    }
  }

  private async redeemCoupon(orderId: string, code: string, customerId: string | undefined): Promise<void> {
    await this.call('coupon', PricingSubjects.redeemCoupon, { code, redemptionKey: orderId, ...(customerId ? { customerId } : {}) }, (body) =>
      body.code === 'CONFLICT' || body.code === 'NOT_FOUND' || body.code === 'VALIDATION' ? refusal('CONFLICT', 'couponCodes', `coupon ${code}: ${body.message}`) : undefined,
    );
  }

  private async reserve(row: CheckoutRow): Promise<Reservation> {
    const req = row.request;
    const where = req.fulfilment.type === 'pickup' ? `the pickup store ${req.fulfilment.locationId}` : `channel ${req.channel}`;
    return this.call<Reservation>(
      'reservation',
      InventorySubjects.reserveStock,
      {
        key: reservationKeyOf(row.id),
        channel: req.channel,
        lines: req.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
        ...(req.fulfilment.locationId ? { locationId: req.fulfilment.locationId } : {}),
        ttlSeconds: this.config.ORDER_RESERVATION_TTL_SECONDS,
      },
      (body) => {
        if (body.code !== 'CONFLICT' && body.code !== 'VALIDATION' && body.code !== 'NOT_FOUND') return undefined;
        const details = (body.details ?? []).map((d) => (d.field === 'locationId' ? { ...d, field: 'fulfilment.locationId' } : d));
        return new CheckoutRefused({ code: body.code === 'NOT_FOUND' ? 'VALIDATION' : body.code, message: `cannot reserve the stock at ${where}: ${body.message}`, details }, true);
      },
    );
  }

  /** The order, placed and confirmed, its two events and the checkout's end: one transaction. */
  private async record(row: CheckoutRow, token: string): Promise<DrivenCheckout> {
    const req = row.request;
    const { quote, reservation } = row.progress as Required<CheckoutProgress>;
    const now = new Date();
    const by = actorOf(req.caller);
    const change = (status: 'placed' | 'confirmed'): OrderStatusChange => ({ status, at: now.toISOString(), by: status === 'placed' ? by : 'system', channel: status === 'placed' ? req.channel : null, reason: null });
    const lines: OrderLine[] = quote.lines.map((l) => ({
      sku: l.sku,
      quantity: l.quantity,
      unitPrice: l.unitPrice as number,
      subtotal: l.subtotal,
      discounts: l.discounts,
      discountTotal: l.discountTotal,
      total: l.total,
      returnedQuantity: 0,
    }));
    const placed: OrderRow = {
      id: row.id,
      channel: req.channel,
      customerId: req.customerId ?? null,
      externalId: req.externalId ?? null,
      status: 'placed',
      fulfilment: { type: req.fulfilment.type, locationId: req.fulfilment.locationId ?? null, address: req.fulfilment.address ?? null, trackingNumber: null },
      currency: quote.currency,
      lines,
      subtotal: quote.subtotal,
      discountTotal: quote.discountTotal,
      total: quote.total,
      couponCodes: acceptedCoupons(quote),
      contact: req.contact ?? null,
      note: req.note ?? null,
      reservationId: reservation.id,
      reservationKey: reservation.key,
      history: [change('placed')],
      version: 1,
      placedAt: now,
      updatedAt: now,
      pending: null,
      pendingUntil: null,
    };
    const confirmed: OrderRow = { ...placed, status: 'confirmed', history: [...placed.history, change('confirmed')], version: 2 };
    const order = toOrder(confirmed);
    const events = [
      this.outbox.envelope<OrderEventData>(EVENT_OF_STATUS.placed, { order: toOrder(placed) }),
      this.outbox.envelope<OrderEventData>(EVENT_OF_STATUS.confirmed, { order }),
    ];
    if (!(await this.repository.recordOrder(row.id, token, now, confirmed, events))) throw new LeaseLost();
    this.outbox.committed();
    return { ...row, status: 'completed', step: 'done', order };
  }

  // ------------------------------------------------------------------ undoing

  private async fail(row: CheckoutRow, token: string, error: RpcErrorBody): Promise<CheckoutRow> {
    this.logger.info({ checkout: row.id, code: error.code, reason: error.message }, 'checkout refused; undoing it');
    return this.save(row, token, { status: 'compensating', error });
  }

  /** Releases the reservation and the coupon uses (by their keys: whatever was done), then ends the checkout. */
  private async compensate(row: CheckoutRow, token: string): Promise<CheckoutRow> {
    const req = row.request;
    await this.services.request(InventorySubjects.releaseReservation, { key: reservationKeyOf(row.id) }).catch(ignoreNotFound);
    for (const code of req.couponCodes ?? []) {
      await this.services.request(PricingSubjects.releaseCoupon, { code, redemptionKey: row.id }).catch(ignoreNotFound);
    }
    return this.save(row, token, { status: 'failed' });
  }

  // ------------------------------------------------------------------ plumbing

  /**
   * A request to another service. `refuse` turns its definite errors into refusals of the checkout;
   * anything else unexpected (a timeout, an outage) is tried twice more, then thrown.
   */
  private async call<T>(what: string, subject: string, data: unknown, refuse?: (body: RpcErrorBody) => CheckoutRefused | undefined): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.services.request<T>(subject, data);
      } catch (err) {
        if (!(err instanceof RemoteError)) throw err;
        const refused = refuse?.(err.body);
        if (refused) throw refused;
        if (err.body.code !== 'UNAVAILABLE' || attempt >= 3) {
          this.logger.warn({ subject, code: err.body.code, err: err.body.message }, `checkout ${what} failed`);
          throw err;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  private async save(row: CheckoutRow, token: string, change: Partial<Pick<CheckoutRow, 'status' | 'step' | 'progress' | 'error'>>): Promise<CheckoutRow> {
    const leaseUntil = this.leaseFrom(new Date());
    if (!(await this.repository.save(this.repository.db, row.id, token, { ...change, leaseUntil }))) throw new LeaseLost();
    return { ...row, ...change, leaseUntil };
  }

  private leaseFrom(now: Date): Date {
    return new Date(now.getTime() + this.config.CHECKOUT_LEASE_MS);
  }

  /** When the recovery loop should try a stuck checkout again: sooner first, at most every 30 s. */
  private backoff(attempts: number): Date {
    return new Date(Date.now() + Math.min(30_000, 250 * 2 ** Math.min(attempts, 7)));
  }
}

function acceptedCoupons(quote: Quote): string[] {
  return quote.explanation.coupons.filter((c) => c.accepted).map((c) => c.code);
}

function refusal(code: RpcErrorBody['code'], field: string, problem: string): CheckoutRefused {
  return new CheckoutRefused({ code, message: `${field}: ${problem}`, details: [{ field, problem }] });
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof RemoteError && err.body.code === 'NOT_FOUND')) throw err;
}

function pending(id: string): RpcError {
  return new RpcError('UNAVAILABLE', `checkout ${id} is waiting for a service that did not answer; it goes on by itself: retry with the same Idempotency-Key for its outcome`);
}

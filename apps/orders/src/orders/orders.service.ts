import { Inject, Injectable } from '@nestjs/common';
import {
  ChangeOrderStatusRequest,
  GetOrderRequest,
  InventorySubjects,
  ListOrdersRequest,
  Location,
  OrderAction,
  OrderCaller,
  Order,
  OrderEventData,
  OrderPage,
  PricingSubjects,
} from '@omnibus/contracts';
import { LOGGER, Outbox, RemoteError, RpcError, SERVICE_CONFIG, ServiceClient } from '@omnibus/service-kit';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { OrdersConfig } from '../config';
import { SERVICES } from '../services';
import { actorOf, mayChange, mayRead, pickupStoreOf } from './access';
import { planTransition } from './lifecycle';
import { EVENT_OF_STATUS } from './order-events';
import { OrdersRepository, toOrder } from './orders.repository';
import { OrderRow, PendingChange } from './orders.schema';

const CURSOR_PATTERN = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\|(ord_[0-9a-z]{22})$/;

export function encodeCursor(row: { placedAt: Date; id: string }): string {
  return Buffer.from(`${new Date(row.placedAt).toISOString()}|${row.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { placedAt: Date; id: string } {
  const match = CURSOR_PATTERN.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new RpcError('VALIDATION', 'cursor is not a cursor this list returned', [{ field: 'cursor', problem: 'is not a cursor this list returned' }]);
  return { placedAt: new Date(match[1]), id: match[2] };
}

/** Reads orders and moves them through their lifecycle; stock moves with the status. */
@Injectable()
export class OrdersService {
  constructor(
    private readonly repository: OrdersRepository,
    private readonly outbox: Outbox,
    @Inject(SERVICES) private readonly services: ServiceClient,
    @Inject(SERVICE_CONFIG) private readonly config: OrdersConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async get(req: GetOrderRequest): Promise<Order> {
    const row = await this.repository.find(this.repository.db, req.id);
    if (!row || !mayRead(row, req.caller)) throw notFound(req.id);
    return toOrder(row);
  }

  /** Newest first. A customer lists their own orders (from every channel); a channel key its channel's. */
  async list(req: ListOrdersRequest): Promise<OrderPage> {
    const { caller } = req;
    let { customerId, channel } = req;
    if (caller.kind === 'customer') {
      if (customerId && customerId !== caller.customerId) throw new RpcError('FORBIDDEN', 'a customer lists their own orders only', [{ field: 'customerId', problem: 'is not you' }]);
      customerId = caller.customerId;
    } else if (caller.kind === 'channel') {
      if (channel && channel !== caller.channel) throw new RpcError('FORBIDDEN', `your key lists orders of the ${caller.channel} channel only`, [{ field: 'channel', problem: `must be ${caller.channel}` }]);
      channel = caller.channel;
    }
    const limit = req.limit ?? 20;
    const rows = await this.repository.list(this.repository.db, {
      customerId,
      channel,
      status: req.status,
      externalId: req.externalId,
      before: req.cursor ? decodeCursor(req.cursor) : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return { items: page.map(toOrder), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null };
  }

  /**
   * One guarded transition. A change without a stock effect is one write. A change that commits or
   * releases stock (or gives coupon uses back) is first written down as pending, then the inventory is
   * called (idempotent by the reservation key), then the status is written with its event; a crash in
   * between leaves it pending for the recovery loop, which finishes it.
   */
  async changeStatus(req: ChangeOrderStatusRequest): Promise<Order> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const row = await this.repository.find(this.repository.db, req.id);
      if (!row || !mayRead(row, req.caller)) throw notFound(req.id);
      if (!mayChange(row, req.caller, req.action) && !(await this.isPickupStore(row, req.caller, req.action))) {
        const why = req.caller.kind === 'customer' ? 'a customer can only cancel their own orders' : `your key changes orders of the ${req.caller.channel} channel only`;
        throw new RpcError('FORBIDDEN', why);
      }
      if (row.pending) return this.awaitPending(row, req.action);
      const plan = planTransition(row.status, row.fulfilment.type, req.action);
      if ('already' in plan) return toOrder(row);
      if ('refused' in plan) throw new RpcError('CONFLICT', plan.refused, [{ field: 'status', problem: plan.refused }]);

      const pending: PendingChange = {
        token: randomUUID(),
        action: req.action,
        to: plan.to,
        stock: plan.stock,
        releaseCoupons: plan.to === 'cancelled' && row.couponCodes.length > 0,
        change: { status: plan.to, at: new Date().toISOString(), by: actorOf(req.caller), channel: req.caller.channel ?? null, reason: req.reason ?? null },
        fulfilment: req.action === 'ship' ? { ...row.fulfilment, trackingNumber: req.trackingNumber ?? null } : row.fulfilment,
      };
      if (!pending.stock && !pending.releaseCoupons) {
        const done = await this.finish(row, pending, false);
        if (done) return done;
        continue; // changed concurrently: start over
      }
      if (!(await this.repository.startChange(row.id, row.version, pending, this.leaseFrom(new Date())))) continue;
      return (await this.finish(row, pending, true)) ?? this.get({ id: row.id, caller: req.caller });
    }
    throw new RpcError('CONFLICT', `order ${req.id} kept changing while this change was made: read it again and retry`);
  }

  /** Finishes pending changes whose runner stopped; never throws. Returns how many it took on. */
  async finishStalled(limit = 20): Promise<number> {
    const claimed = await this.repository.claimStalledChanges(randomUUID(), this.leaseFrom(new Date()), { limit });
    await Promise.all(
      claimed.map((row) =>
        this.finish(row, row.pending as PendingChange, true).catch((err: Error) => {
          const dropped = err instanceof RpcError && err.code === 'CONFLICT';
          this.logger.warn({ order: row.id, err: err.message }, dropped ? 'pending status change refused by the inventory: dropped' : 'pending status change still cannot finish; retrying later');
        }),
      ),
    );
    return claimed.length;
  }

  /** Another change of the order is pending: the same one is taken over once its runner stopped, another waits. */
  private async awaitPending(row: OrderRow, action: OrderAction): Promise<Order> {
    const pending = row.pending as PendingChange;
    if (pending.action === action) {
      const [claimed] = await this.repository.claimStalledChanges(randomUUID(), this.leaseFrom(new Date()), { id: row.id, limit: 1 });
      if (claimed) return (await this.finish(claimed, claimed.pending as PendingChange, true)) ?? toOrder((await this.repository.find(this.repository.db, row.id)) as OrderRow);
    }
    throw new RpcError('CONFLICT', `order ${row.id} is being changed to ${pending.to} right now: read it again in a moment`, [{ field: 'status', problem: `is changing to ${pending.to}` }]);
  }

  /**
   * The stock effect and coupon uses, then the new status with its event. `held`: the change is
   * written down as pending under its token (else the write is guarded by the order's version).
   * Undefined when the order was changed by someone else first.
   */
  private async finish(row: OrderRow, pending: PendingChange, held: boolean): Promise<Order | undefined> {
    try {
      if (pending.stock) await this.moveStock(row, pending.stock);
      if (pending.releaseCoupons) await this.releaseCoupons(row);
    } catch (err) {
      if (!held) throw err;
      // Refused by the inventory: nothing happened, and the order stays as it is. Anything else (a
      // service that did not answer): a retry of the same change, or the recovery loop, goes on with it.
      if (err instanceof RpcError && err.code === 'CONFLICT') await this.repository.dropChange(row.id, pending.token);
      else await this.repository.letGoOfChange(row.id, pending.token).catch(() => undefined);
      throw err;
    }
    const next: OrderRow = {
      ...row,
      status: pending.to,
      fulfilment: pending.fulfilment,
      history: [...row.history, pending.change],
      version: row.version + 1,
      updatedAt: new Date(),
      pending: null,
      pendingUntil: null,
    };
    const written = await this.repository.db.transaction(async (tx) => {
      const saved = held ? await this.repository.finishChange(tx, next, pending.token) : await this.repository.update(tx, next, row.version);
      if (saved) await this.outbox.add<OrderEventData>(tx, EVENT_OF_STATUS[pending.to], { order: toOrder(next) });
      return saved;
    });
    if (!written) return undefined;
    this.outbox.committed();
    return toOrder(next);
  }

  private leaseFrom(now: Date): Date {
    return new Date(now.getTime() + this.config.CHECKOUT_LEASE_MS);
  }

  /** True when the caller is the staff of the store where the order is collected (its location supplies their channel). */
  private async isPickupStore(row: OrderRow, caller: OrderCaller, action: OrderAction): Promise<boolean> {
    const locationId = pickupStoreOf(row, caller, action);
    if (!locationId) return false;
    try {
      const location = await this.services.request<Location>(InventorySubjects.getLocation, { id: locationId });
      return location.channels.includes(caller.channel as string);
    } catch (err) {
      if (err instanceof RemoteError && err.body.code === 'NOT_FOUND') return false;
      throw err;
    }
  }

  private async moveStock(row: OrderRow, effect: 'commit' | 'release'): Promise<void> {
    const subject = effect === 'commit' ? InventorySubjects.commitReservation : InventorySubjects.releaseReservation;
    try {
      await this.services.request(subject, { key: row.reservationKey });
    } catch (err) {
      if (err instanceof RemoteError && err.body.code === 'CONFLICT') {
        // e.g. a cancel racing a shipment that already took the stock, or a reservation that expired.
        throw new RpcError('CONFLICT', `the stock of order ${row.id} cannot be ${effect === 'commit' ? 'taken' : 'given back'}: ${err.body.message}`, [{ field: 'status', problem: err.body.message }]);
      }
      throw err;
    }
  }

  /** Gives the coupon uses of a cancelled order back; a use that was never counted is fine. */
  private async releaseCoupons(row: OrderRow): Promise<void> {
    for (const code of row.couponCodes) {
      await this.services.request(PricingSubjects.releaseCoupon, { code, redemptionKey: row.id }).catch((err: unknown) => {
        if (!(err instanceof RemoteError && err.body.code === 'NOT_FOUND')) throw err;
      });
    }
  }
}

function notFound(id: string): RpcError {
  return new RpcError('NOT_FOUND', `order ${id} does not exist`);
}

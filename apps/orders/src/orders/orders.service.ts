import { Inject, Injectable } from '@nestjs/common';
import {
  ChangeOrderStatusRequest,
  GetOrderRequest,
  InventorySubjects,
  ListOrdersRequest,
  Order,
  OrderEventData,
  OrderPage,
  OrderStatusChange,
  PricingSubjects,
} from '@omnibus/contracts';
import { Outbox, RemoteError, RpcError, ServiceClient } from '@omnibus/service-kit';
import { SERVICES } from '../services';
import { actorOf, mayChange, mayRead } from './access';
import { planTransition } from './lifecycle';
import { EVENT_OF_STATUS } from './order-events';
import { OrdersRepository, toOrder } from './orders.repository';
import { OrderRow } from './orders.schema';

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
   * One guarded transition. The stock effect goes first (commit or release, both idempotent by the
   * reservation key), then the status with its event; a concurrent change makes it start over.
   */
  async changeStatus(req: ChangeOrderStatusRequest): Promise<Order> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const row = await this.repository.find(this.repository.db, req.id);
      if (!row || !mayRead(row, req.caller)) throw notFound(req.id);
      if (!mayChange(row, req.caller, req.action)) {
        const why = req.caller.kind === 'customer' ? 'a customer can only cancel their own orders' : `your key changes orders of the ${req.caller.channel} channel only`;
        throw new RpcError('FORBIDDEN', why);
      }
      const plan = planTransition(row.status, row.fulfilment.type, req.action);
      if ('already' in plan) return toOrder(row);
      if ('refused' in plan) throw new RpcError('CONFLICT', plan.refused, [{ field: 'status', problem: plan.refused }]);

      if (plan.stock) await this.moveStock(row, plan.stock);
      if (plan.to === 'cancelled') await this.releaseCoupons(row);

      const now = new Date();
      const change: OrderStatusChange = { status: plan.to, at: now.toISOString(), by: actorOf(req.caller), channel: req.caller.channel ?? null, reason: req.reason ?? null };
      const next: OrderRow = {
        ...row,
        status: plan.to,
        fulfilment: req.action === 'ship' ? { ...row.fulfilment, trackingNumber: req.trackingNumber ?? null } : row.fulfilment,
        history: [...row.history, change],
        version: row.version + 1,
        updatedAt: now,
      };
      const written = await this.repository.db.transaction(async (tx) => {
        if (!(await this.repository.update(tx, next, row.version))) return false;
        await this.outbox.add<OrderEventData>(tx, EVENT_OF_STATUS[plan.to], { order: toOrder(next) });
        return true;
      });
      if (written) {
        this.outbox.committed();
        return toOrder(next);
      }
    }
    throw new RpcError('CONFLICT', `order ${req.id} kept changing while this change was made: read it again and retry`);
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

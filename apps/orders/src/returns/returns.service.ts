import { Inject, Injectable } from '@nestjs/common';
import {
  CreateReturnRequest,
  GetOrderRequest,
  InventorySubjects,
  OrderReturn,
  OrdersEvents,
  ReturnEventData,
  ReturnList,
  ReturnRef,
  newId,
} from '@omnibus/contracts';
import { LOGGER, Outbox, RemoteError, RpcError, SERVICE_CONFIG, ServiceClient } from '@omnibus/service-kit';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { OrdersConfig } from '../config';
import { actorOf, mayCreateReturn, mayDecideReturn, mayRead } from '../orders/access';
import { OrdersRepository } from '../orders/orders.repository';
import { OrderRow } from '../orders/orders.schema';
import { SERVICES } from '../services';
import { planReturn } from './refunds';
import { ReturnsRepository, toReturn } from './returns.repository';
import { ReturnRow } from './returns.schema';

/**
 * Returns through any channel: created for lines of a completed order (never more than was bought
 * minus what is already on returns), accepted where the goods arrive (restocked there through the
 * inventory, once), or rejected (the units can be returned again).
 */
@Injectable()
export class ReturnsService {
  constructor(
    private readonly repository: ReturnsRepository,
    private readonly orders: OrdersRepository,
    private readonly outbox: Outbox,
    @Inject(SERVICES) private readonly services: ServiceClient,
    @Inject(SERVICE_CONFIG) private readonly config: OrdersConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async create(req: CreateReturnRequest): Promise<OrderReturn> {
    const order = await this.orders.find(this.orders.db, req.orderId);
    if (!order || !mayCreateReturn(order, req.caller)) throw new RpcError('NOT_FOUND', `order ${req.orderId} does not exist`);
    if (order.status !== 'completed') {
      throw new RpcError('CONFLICT', `order ${order.id} is ${order.status}: only completed orders take returns (cancel an order that was not handed over)`, [
        { field: 'orderId', problem: `is ${order.status}, not completed` },
      ]);
    }
    await this.checkLocation(req.restockLocationId);
    const now = new Date();
    const created = await this.orders.db.transaction(async (tx) => {
      // Locked, so two returns of the same units at the same time cannot both pass the check.
      const current = (await this.orders.find(tx, req.orderId, true)) as OrderRow;
      const plan = planReturn(current.lines, req.lines);
      if ('problems' in plan) throw new RpcError('VALIDATION', plan.problems.map((p) => `${p.field}: ${p.problem}`).join('; '), plan.problems);
      const returned = new Map(plan.lines.map((l) => [l.sku, l.quantity]));
      const lines = current.lines.map((l) => ({ ...l, returnedQuantity: l.returnedQuantity + (returned.get(l.sku) ?? 0) }));
      const next: OrderRow = { ...current, lines, version: current.version + 1, updatedAt: now };
      await this.orders.update(tx, next, current.version);
      const row = {
        id: newId('ret'),
        orderId: order.id,
        channel: req.channel ?? null,
        customerId: order.customerId,
        status: 'requested' as const,
        reason: req.reason,
        restockLocationId: req.restockLocationId,
        lines: plan.lines,
        currency: order.currency,
        refundTotal: plan.lines.reduce((sum, l) => sum + l.refund, 0),
        createdBy: actorOf(req.caller),
        decisionReason: null,
        createdAt: now,
        decidedAt: null,
        pending: null,
        pendingUntil: null,
      };
      await this.repository.insert(tx, row);
      await this.outbox.add<ReturnEventData>(tx, OrdersEvents.returnCreated, { orderReturn: toReturn(row) });
      return row;
    });
    this.outbox.committed();
    return toReturn(created);
  }

  async get(ref: ReturnRef): Promise<OrderReturn> {
    const row = await this.repository.find(this.repository.db, ref.id);
    if (!row) throw notFound(ref.id);
    const order = await this.orders.find(this.orders.db, row.orderId);
    if (!order || !mayRead(order, ref.caller)) throw notFound(ref.id);
    return toReturn(row);
  }

  async ofOrder(req: GetOrderRequest): Promise<ReturnList> {
    const order = await this.orders.find(this.orders.db, req.id);
    if (!order || !mayRead(order, req.caller)) throw new RpcError('NOT_FOUND', `order ${req.id} does not exist`);
    return { items: (await this.repository.ofOrder(this.repository.db, req.id)).map(toReturn) };
  }

  /**
   * Restocks the goods at the return's location (once, by the return's key), then marks it accepted.
   * The acceptance is written down first, so a crash after the restock is finished by the recovery
   * loop, and a rejection cannot slip in between.
   */
  async accept(ref: ReturnRef): Promise<OrderReturn> {
    const row = await this.decidable(ref);
    if (row.status === 'accepted') return toReturn(row);
    if (row.status === 'rejected') throw alreadyDecided(row.id, 'rejected', 'accepted');
    const started = row.pending
      ? (await this.repository.claimStalledAcceptances(randomUUID(), this.leaseFrom(new Date()), { id: row.id, limit: 1 }))[0]
      : await this.repository.startAcceptance(row.id, randomUUID(), ref.reason ?? null, this.leaseFrom(new Date()));
    if (!started) {
      // Being accepted by a concurrent call, or decided meanwhile.
      const now = await this.decidable(ref);
      if (now.status === 'accepted') return toReturn(now);
      if (now.status === 'rejected') throw alreadyDecided(now.id, 'rejected', 'accepted');
      throw beingAccepted(now.id);
    }
    return (await this.finishAcceptance(started)) ?? this.get(ref);
  }

  /** Finishes acceptances whose runner stopped; never throws. Returns how many it took on. */
  async finishStalled(limit = 20): Promise<number> {
    const claimed = await this.repository.claimStalledAcceptances(randomUUID(), this.leaseFrom(new Date()), { limit });
    await Promise.all(
      claimed.map((row) =>
        this.finishAcceptance(row).catch((err: Error) => {
          this.logger.warn({ orderReturn: row.id, err: err.message }, refusedByInventory(err) ? 'return acceptance refused by the inventory: dropped' : 'return acceptance still cannot finish; retrying later');
        }),
      ),
    );
    return claimed.length;
  }

  /** The restock, then the decision with its event; undefined when another runner took the acceptance over. */
  private async finishAcceptance(row: ReturnRow): Promise<OrderReturn | undefined> {
    const token = (row.pending as { token: string }).token;
    try {
      await this.services.request(InventorySubjects.receiveStock, {
        key: `return-${row.id}`,
        locationId: row.restockLocationId,
        reason: 'return',
        reference: row.orderId,
        lines: row.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      });
    } catch (err) {
      // A definite "no" from the inventory restocked nothing: the return stays requested. Anything else
      // (no answer): a retry of the acceptance, or the recovery loop, goes on with it.
      if (refusedByInventory(err)) await this.repository.dropAcceptance(row.id, token);
      else await this.repository.letGoOfAcceptance(row.id, token).catch(() => undefined);
      throw err;
    }
    const accepted = await this.repository.db.transaction(async (tx) => {
      // The order locked: acceptances of its returns are counted one at a time, so each event's sum is right.
      const order = (await this.orders.find(tx, row.orderId, true)) as OrderRow;
      const decided = await this.repository.finishAcceptance(tx, row.id, token);
      if (!decided) return undefined;
      const refundedTotal = await this.repository.acceptedRefunds(tx, row.orderId);
      await this.outbox.add<ReturnEventData>(tx, OrdersEvents.returnAccepted, {
        orderReturn: toReturn(decided),
        order: { id: order.id, customerId: order.customerId, channel: order.channel, currency: order.currency, total: order.total, refundedTotal },
      });
      return decided;
    });
    if (!accepted) return undefined;
    this.outbox.committed();
    return toReturn(accepted);
  }

  /** Refuses the return: nothing is restocked and its units may be returned again. */
  async reject(ref: ReturnRef): Promise<OrderReturn> {
    const row = await this.decidable(ref);
    if (row.status === 'rejected') return toReturn(row);
    if (row.status === 'accepted') throw alreadyDecided(row.id, 'accepted', 'rejected');
    const rejected = await this.orders.db.transaction(async (tx) => {
      const order = (await this.orders.find(tx, row.orderId, true)) as OrderRow;
      const decided = await this.repository.reject(tx, row.id, ref.reason ?? null);
      if (!decided) return undefined;
      const back = new Map(row.lines.map((l) => [l.sku, l.quantity]));
      const lines = order.lines.map((l) => ({ ...l, returnedQuantity: l.returnedQuantity - (back.get(l.sku) ?? 0) }));
      const next: OrderRow = { ...order, lines, version: order.version + 1, updatedAt: new Date() };
      await this.orders.update(tx, next, order.version);
      await this.outbox.add<ReturnEventData>(tx, OrdersEvents.returnRejected, { orderReturn: toReturn(decided) });
      return decided;
    });
    if (!rejected) {
      const now = await this.decidable(ref);
      if (now.status === 'requested') throw beingAccepted(now.id);
      if (now.status !== 'rejected') throw alreadyDecided(now.id, now.status, 'rejected');
      return toReturn(now);
    }
    this.outbox.committed();
    return toReturn(rejected);
  }

  private leaseFrom(now: Date): Date {
    return new Date(now.getTime() + this.config.CHECKOUT_LEASE_MS);
  }

  private async decidable(ref: ReturnRef) {
    if (!mayDecideReturn(ref.caller)) throw new RpcError('FORBIDDEN', 'returns are accepted or rejected by staff (store, warehouse) and admin keys');
    const row = await this.repository.find(this.repository.db, ref.id);
    if (!row) throw notFound(ref.id);
    return row;
  }

  private async checkLocation(id: string): Promise<void> {
    try {
      await this.services.request(InventorySubjects.getLocation, { id });
    } catch (err) {
      if (err instanceof RemoteError && (err.body.code === 'NOT_FOUND' || err.body.code === 'VALIDATION')) {
        throw new RpcError('VALIDATION', `restockLocationId: ${id} is not a known location`, [{ field: 'restockLocationId', problem: `${id} is not a known location` }]);
      }
      throw err;
    }
  }
}

function notFound(id: string): RpcError {
  return new RpcError('NOT_FOUND', `return ${id} does not exist`);
}

/** A definite "no" from the inventory (not a service that did not answer): nothing was restocked. */
function refusedByInventory(err: unknown): boolean {
  return err instanceof RemoteError && err.body.code !== 'UNAVAILABLE' && err.body.code !== 'INTERNAL';
}

function beingAccepted(id: string): RpcError {
  return new RpcError('CONFLICT', `return ${id} is being accepted right now: read it again in a moment`, [{ field: 'status', problem: 'is being accepted' }]);
}

function alreadyDecided(id: string, status: string, wanted: 'accepted' | 'rejected'): RpcError {
  return new RpcError('CONFLICT', `return ${id} is ${status}: it cannot be ${wanted}`, [{ field: 'status', problem: `is ${status}` }]);
}

import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventEnvelope, ORDERS_STREAM, OrderEventData, OrdersEvents, ReturnEventData } from '@omnibus/contracts';
import { EventConsumers, LOGGER, SERVICE_CONFIG } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { CustomersConfig } from '../config';
import { LoyaltyService, takeBackKeyPrefix } from './loyalty.service';

export const ORDER_POINTS_DURABLE = 'customers-order-points';
export const RETURN_POINTS_DURABLE = 'customers-return-points';

/** Points a completed order earns: LOYALTY_POINTS_PER_UNIT for each whole unit of its currency paid. */
export function pointsForOrder(total: number, pointsPerUnit: number): number {
  return Math.floor(total / 100) * pointsPerUnit;
}

/**
 * Points follow orders, whatever their channel: credited when an order of a known customer is
 * completed, taken back as its goods come back (an accepted return). Every command is keyed by the
 * order (`order-<id>-earn`, `order-<id>-return-<return id>`), so a redelivered event changes nothing.
 */
@Injectable()
export class OrderPointsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private readonly following = new Set<string>();
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly consumers: EventConsumers,
    private readonly loyalty: LoyaltyService,
    @Inject(SERVICE_CONFIG) private readonly config: CustomersConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    void this.start(1);
  }

  onApplicationShutdown() {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  async apply(event: EventEnvelope): Promise<void> {
    const order = (event.data as OrderEventData | undefined)?.order;
    if (!order?.id) throw new Error(`${event.type} ${event.id} carries no order`);
    await this.earn(order);
  }

  /** The order keeps the points of what it still pays after its returns; the rest is taken back. */
  async applyReturn(event: EventEnvelope): Promise<void> {
    const { orderReturn, order } = (event.data ?? {}) as Partial<ReturnEventData>;
    if (!orderReturn?.id || !order?.id) throw new Error(`${event.type} ${event.id} carries no return with its order`);
    if (!order.customerId || !(await this.earn(order))) return;
    const points = this.pointsFor(order.total) - this.pointsFor(order.total - order.refundedTotal);
    await this.loyalty.takeBack({
      customerId: order.customerId,
      orderId: order.id,
      points,
      idempotencyKey: `${takeBackKeyPrefix(order.id)}${orderReturn.id}`,
      channel: orderReturn.channel ?? undefined,
      reason: `return ${orderReturn.id} of order ${order.id} accepted`,
    });
  }

  /**
   * What a completed order earns (once; a return's handler may run first, after an outage, so it
   * earns first too). False when it earns nothing (a guest, or less than one unit).
   */
  private async earn(order: { id: string; customerId: string | null; channel: string; total: number }): Promise<boolean> {
    const points = this.pointsFor(order.total);
    if (!order.customerId || points <= 0) return false;
    await this.loyalty.earn({ customerId: order.customerId, points, idempotencyKey: `order-${order.id}-earn`, orderId: order.id, channel: order.channel, reason: `order ${order.id} completed` });
    return true;
  }

  private pointsFor(total: number): number {
    return pointsForOrder(total, this.config.LOYALTY_POINTS_PER_UNIT);
  }

  // The orders service may start after us: until its stream exists, try again every few seconds.
  private async start(attempt: number): Promise<void> {
    if (this.stopped) return;
    try {
      const specs = [
        { stream: ORDERS_STREAM, durable: ORDER_POINTS_DURABLE, filterSubject: OrdersEvents.orderCompleted, handle: (event: EventEnvelope) => this.apply(event) },
        { stream: ORDERS_STREAM, durable: RETURN_POINTS_DURABLE, filterSubject: OrdersEvents.returnAccepted, handle: (event: EventEnvelope) => this.applyReturn(event) },
      ];
      for (const spec of specs.filter((s) => !this.following.has(s.durable))) {
        await this.consumers.start(spec);
        this.following.add(spec.durable);
      }
      this.logger.info({ consumers: [ORDER_POINTS_DURABLE, RETURN_POINTS_DURABLE] }, 'following completed orders and accepted returns for loyalty points');
    } catch (err) {
      const level = attempt === 1 || attempt % 20 === 0 ? 'warn' : 'debug';
      this.logger[level]({ err: (err as Error).message, attempt }, 'cannot follow completed orders yet, retrying');
      this.retry = setTimeout(() => void this.start(attempt + 1), Math.min(5000, 250 * attempt));
    }
  }
}

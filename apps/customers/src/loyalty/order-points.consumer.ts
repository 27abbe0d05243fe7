import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventEnvelope, ORDERS_STREAM, OrderEventData, OrdersEvents } from '@omnibus/contracts';
import { EventConsumers, LOGGER, SERVICE_CONFIG } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { CustomersConfig } from '../config';
import { LoyaltyService } from './loyalty.service';

export const ORDER_POINTS_DURABLE = 'customers-order-points';

/** Points a completed order earns: LOYALTY_POINTS_PER_UNIT for each whole unit of its currency paid. */
export function pointsForOrder(total: number, pointsPerUnit: number): number {
  return Math.floor(total / 100) * pointsPerUnit;
}

/**
 * Credits loyalty points when an order of a known customer is completed, in whatever channel. The
 * earn command is keyed by the order (`order-<id>-earn`), so a redelivered event earns nothing twice.
 */
@Injectable()
export class OrderPointsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
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
    const points = pointsForOrder(order.total, this.config.LOYALTY_POINTS_PER_UNIT);
    if (!order.customerId || points <= 0) return;
    await this.loyalty.earn({ customerId: order.customerId, points, idempotencyKey: `order-${order.id}-earn`, orderId: order.id, channel: order.channel, reason: `order ${order.id} completed` });
  }

  // The orders service may start after us: until its stream exists, try again every few seconds.
  private async start(attempt: number): Promise<void> {
    if (this.stopped) return;
    try {
      await this.consumers.start({ stream: ORDERS_STREAM, durable: ORDER_POINTS_DURABLE, filterSubject: OrdersEvents.orderCompleted, handle: (event) => this.apply(event) });
      this.logger.info({ consumer: ORDER_POINTS_DURABLE }, 'following completed orders for loyalty points');
    } catch (err) {
      const level = attempt === 1 || attempt % 20 === 0 ? 'warn' : 'debug';
      this.logger[level]({ err: (err as Error).message, attempt }, 'cannot follow completed orders yet, retrying');
      this.retry = setTimeout(() => void this.start(attempt + 1), Math.min(5000, 250 * attempt));
    }
  }
}

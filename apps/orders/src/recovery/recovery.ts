import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG, newCorrelationId, runInContext } from '@omnibus/service-kit';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CheckoutRepository } from '../checkout/checkout.repository';
import { CheckoutService } from '../checkout/checkout.service';
import { OrdersConfig } from '../config';
import { OrdersService } from '../orders/orders.service';
import { ReturnsService } from '../returns/returns.service';

/**
 * Finishes what nobody is driving any more because its process crashed mid-way or gave up waiting for
 * a service: checkouts (finished or undone), status changes whose stock effect may have happened, and
 * return acceptances whose restock may have happened. Runs in every replica; each piece of work is
 * claimed by one (lease, SKIP LOCKED).
 */
@Injectable()
export class Recovery implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly repository: CheckoutRepository,
    private readonly checkout: CheckoutService,
    private readonly orders: OrdersService,
    private readonly returns: ReturnsService,
    @Inject(SERVICE_CONFIG) private readonly config: OrdersConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    if (this.config.CHECKOUT_RECOVERY_INTERVAL_MS > 0) this.schedule();
  }

  async beforeApplicationShutdown() {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  onApplicationShutdown() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Claims and drives every stale checkout, status change and return acceptance, batch by batch; returns how many it took on. */
  async recover(): Promise<number> {
    let total = 0;
    while (!this.stopped) {
      const claimed = await this.repository.claimStale(20, randomUUID(), this.config.CHECKOUT_LEASE_MS);
      await Promise.all(claimed.map((row) => runInContext({ correlationId: newCorrelationId() }, () => this.checkout.resume(row))));
      total += claimed.length;
      if (claimed.length < 20) break;
    }
    for (const work of [() => this.orders.finishStalled(20), () => this.returns.finishStalled(20)]) {
      while (!this.stopped) {
        const claimed = await runInContext({ correlationId: newCorrelationId() }, work);
        total += claimed;
        if (claimed < 20) break;
      }
    }
    return total;
  }

  private schedule() {
    this.timer = setTimeout(() => {
      this.running = this.recover()
        .then((n) => {
          if (n) this.logger.info({ checkouts: n }, 'unfinished checkouts, status changes or return acceptances taken over');
        })
        .catch((err: Error) => this.logger.warn({ err: err.message }, 'recovery failed; the next interval retries'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule();
        });
    }, this.config.CHECKOUT_RECOVERY_INTERVAL_MS);
  }
}

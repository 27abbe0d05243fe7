import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, PeriodicJob, SERVICE_CONFIG, newCorrelationId, runInContext } from '@omnibus/service-kit';
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
export class Recovery implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly job: PeriodicJob;

  constructor(
    private readonly repository: CheckoutRepository,
    private readonly checkout: CheckoutService,
    private readonly orders: OrdersService,
    private readonly returns: ReturnsService,
    @Inject(SERVICE_CONFIG) private readonly config: OrdersConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.job = new PeriodicJob({
      name: 'recovery',
      intervalMs: config.CHECKOUT_RECOVERY_INTERVAL_MS,
      logger,
      work: async () => {
        const n = await this.recover();
        if (n) logger.info({ taken: n }, 'unfinished checkouts, status changes or return acceptances taken over');
      },
    });
  }

  onApplicationBootstrap() {
    this.job.start();
  }

  // Before the kit closes the database.
  beforeApplicationShutdown() {
    return this.job.stop();
  }

  /** Claims and drives every stale checkout, status change and return acceptance, batch by batch; returns how many it took on. */
  async recover(): Promise<number> {
    let total = 0;
    while (!this.job.stopped) {
      const claimed = await this.repository.claimStale(20, randomUUID(), this.config.CHECKOUT_LEASE_MS);
      await Promise.all(claimed.map((row) => runInContext({ correlationId: newCorrelationId() }, () => this.checkout.resume(row))));
      total += claimed.length;
      if (claimed.length < 20) break;
    }
    for (const work of [() => this.orders.finishStalled(20), () => this.returns.finishStalled(20)]) {
      while (!this.job.stopped) {
        const claimed = await runInContext({ correlationId: newCorrelationId() }, work);
        total += claimed;
        if (claimed < 20) break;
      }
    }
    return total;
  }
}

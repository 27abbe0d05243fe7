import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG, newCorrelationId, runInContext } from '@omnibus/service-kit';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { OrdersConfig } from '../config';
import { CheckoutRepository } from './checkout.repository';
import { CheckoutService } from './checkout.service';

/**
 * Finishes or undoes checkouts nobody is driving any more: their process crashed mid-way, or gave up
 * waiting for a service. Runs in every replica; a checkout is claimed by one (lease, SKIP LOCKED).
 */
@Injectable()
export class CheckoutRecovery implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly repository: CheckoutRepository,
    private readonly checkout: CheckoutService,
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

  /** Claims and drives every stale checkout, batch by batch; returns how many it took on. */
  async recover(): Promise<number> {
    let total = 0;
    while (!this.stopped) {
      const claimed = await this.repository.claimStale(20, randomUUID(), this.config.CHECKOUT_LEASE_MS);
      await Promise.all(claimed.map((row) => runInContext({ correlationId: newCorrelationId() }, () => this.checkout.resume(row))));
      total += claimed.length;
      if (claimed.length < 20) break;
    }
    return total;
  }

  private schedule() {
    this.timer = setTimeout(() => {
      this.running = this.recover()
        .then((n) => {
          if (n) this.logger.info({ checkouts: n }, 'stale checkouts taken over');
        })
        .catch((err: Error) => this.logger.warn({ err: err.message }, 'checkout recovery failed; the next interval retries'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule();
        });
    }, this.config.CHECKOUT_RECOVERY_INTERVAL_MS);
  }
}

import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { InventoryConfig } from '../config';
import { ReservationsService } from './reservations.service';

/**
 * Releases expired reservations every RESERVATION_SWEEP_INTERVAL_MS. Runs in every replica: each
 * batch is claimed with FOR UPDATE SKIP LOCKED, so replicas share the work and never release twice.
 */
@Injectable()
export class ReservationSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly reservations: ReservationsService,
    @Inject(SERVICE_CONFIG) private readonly config: InventoryConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    if (this.config.RESERVATION_SWEEP_INTERVAL_MS > 0) this.schedule();
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

  /** Releases everything that is due now, batch by batch; returns how many. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const released = await this.reservations.expireDue(200);
      total += released;
      if (released < 200 || this.stopped) return total;
    }
  }

  private schedule() {
    this.timer = setTimeout(() => {
      this.running = this.sweep()
        .then((n) => {
          if (n) this.logger.info({ expired: n }, 'expired reservations released');
        })
        .catch((err: Error) => this.logger.warn({ err: err.message }, 'reservation sweep failed; next interval retries'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule();
        });
    }, this.config.RESERVATION_SWEEP_INTERVAL_MS);
  }
}

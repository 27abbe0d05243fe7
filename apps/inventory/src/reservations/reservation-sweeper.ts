import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, PeriodicJob, SERVICE_CONFIG } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { InventoryConfig } from '../config';
import { ReservationsService } from './reservations.service';

/**
 * Releases expired reservations every RESERVATION_SWEEP_INTERVAL_MS. Runs in every replica: each
 * batch is claimed with FOR UPDATE SKIP LOCKED, so replicas share the work and never release twice.
 */
@Injectable()
export class ReservationSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly job: PeriodicJob;

  constructor(
    private readonly reservations: ReservationsService,
    @Inject(SERVICE_CONFIG) config: InventoryConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.job = new PeriodicJob({
      name: 'reservation sweep',
      intervalMs: config.RESERVATION_SWEEP_INTERVAL_MS,
      logger,
      work: async () => {
        const n = await this.sweep();
        if (n) logger.info({ expired: n }, 'expired reservations released');
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

  /** Releases everything that is due now, batch by batch; returns how many. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const released = await this.reservations.expireDue(200);
      total += released;
      if (released < 200 || this.job.stopped) return total;
    }
  }
}

import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, PeriodicJob, SERVICE_CONFIG } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { CustomersConfig } from '../config';
import { LoyaltyService } from './loyalty.service';

/** Expires due points every LOYALTY_EXPIRY_SWEEP_MS; safe in every replica (row locks and one entry per lot). */
@Injectable()
export class ExpirySweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly job: PeriodicJob;

  constructor(loyalty: LoyaltyService, @Inject(SERVICE_CONFIG) config: CustomersConfig, @Inject(LOGGER) logger: Logger) {
    this.job = new PeriodicJob({
      name: 'loyalty expiry sweep',
      intervalMs: config.LOYALTY_EXPIRY_SWEEP_MS,
      logger,
      work: async () => {
        const run = await loyalty.expire({});
        if (run.lotsExpired) logger.info(run, 'expired loyalty points');
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
}

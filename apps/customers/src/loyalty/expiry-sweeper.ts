import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { CustomersConfig } from '../config';
import { LoyaltyService } from './loyalty.service';

/** Expires due points every LOYALTY_EXPIRY_SWEEP_MS; safe in every replica (row locks and one entry per lot). */
@Injectable()
export class ExpirySweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly loyalty: LoyaltyService,
    @Inject(SERVICE_CONFIG) private readonly config: CustomersConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    if (this.config.LOYALTY_EXPIRY_SWEEP_MS > 0) {
      this.timer = setInterval(() => void this.sweep(), this.config.LOYALTY_EXPIRY_SWEEP_MS);
      this.timer.unref();
    }
  }

  async beforeApplicationShutdown() {
    clearInterval(this.timer);
    await this.running;
  }

  private sweep(): Promise<void> {
    if (this.running) return this.running; // one run at a time in this process
    this.running = this.loyalty
      .expire({})
      .then((run) => {
        if (run.lotsExpired) this.logger.info(run, 'expired loyalty points');
      })
      .catch((err: Error) => this.logger.warn({ err: err.message }, 'loyalty expiry sweep failed; the next one retries'))
      .finally(() => (this.running = undefined));
    return this.running;
  }
}

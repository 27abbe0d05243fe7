import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { CONTENT_CONFIG, ContentConfig } from '../config';
import { EntriesService } from './entries.service';

/**
 * Publishes scheduled drafts when they are due, every SCHEDULE_SWEEP_MS. Runs in every replica:
 * claiming rows with SKIP LOCKED keeps replicas from publishing one entry twice.
 */
@Injectable()
export class ScheduleSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly entries: EntriesService,
    @Inject(CONTENT_CONFIG) private readonly config: ContentConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    this.next();
  }

  // Before the kit closes the database.
  async beforeApplicationShutdown() {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sweeping;
  }

  /** One sweep: publishes every due entry; failures are logged and retried on the next sweep. */
  async sweep(): Promise<number> {
    try {
      const published = await this.entries.publishDue();
      if (published) this.logger.info({ published }, 'scheduled entries published');
      return published;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'scheduled publishing failed, will retry');
      return 0;
    }
  }

  private next() {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sweeping = this.sweep().then(() => {
        this.sweeping = undefined;
        this.next();
      });
    }, this.config.SCHEDULE_SWEEP_MS);
  }
}

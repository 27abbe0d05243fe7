import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, PeriodicJob } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { CONTENT_CONFIG, ContentConfig } from '../config';
import { EntriesService } from './entries.service';

/**
 * Publishes scheduled drafts when they are due, every SCHEDULE_SWEEP_MS. Runs in every replica:
 * claiming rows with SKIP LOCKED keeps replicas from publishing one entry twice.
 */
@Injectable()
export class ScheduleSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly job: PeriodicJob;

  constructor(entries: EntriesService, @Inject(CONTENT_CONFIG) config: ContentConfig, @Inject(LOGGER) logger: Logger) {
    this.job = new PeriodicJob({
      name: 'scheduled publishing',
      intervalMs: config.SCHEDULE_SWEEP_MS,
      logger,
      work: async () => {
        const published = await entries.publishDue();
        if (published) logger.info({ published }, 'scheduled entries published');
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

import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { ChannelsRepository } from '../channels/channels.repository';
import { ChannelsConfig } from '../config';
import { FeedNotifier } from '../feed/feed-notifier';
import { SourcesRepository } from '../sources/sources.repository';
import { ViewsService } from './views.service';

/**
 * Builds channel views in the background: the snapshot of a new channel, and the rebuild after its
 * rules, its locations or the price lists changed. Products are recomputed in id order, one batch per
 * transaction, from the service's own copies; progress is stored, so a restart or another replica
 * carries on where it stopped. Also applies price windows that opened or closed (no event marks those).
 */
@Injectable()
export class RebuildWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private woken = false;
  private nextWindowCheck = 0;

  constructor(
    private readonly channels: ChannelsRepository,
    private readonly sources: SourcesRepository,
    private readonly views: ViewsService,
    private readonly notifier: FeedNotifier,
    @Inject(SERVICE_CONFIG) private readonly config: ChannelsConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown() {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  /** Starts work at once rather than at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Runs one batch of a channel's rebuild; true when the rebuild is finished (or another replica has it). */
  async rebuildBatch(code: string): Promise<boolean> {
    const outcome = await this.channels.db.transaction(async (tx) => {
      const job = await this.channels.lockRebuild(tx, code);
      if (!job) return { done: true, appended: [] };
      const ids = await this.sources.productIdsAfter(tx, job.afterProductId, this.config.REFRESH_BATCH_SIZE);
      if (ids.length === 0) {
        await this.channels.finishRebuild(tx, code);
        this.logger.info({ channel: code, reason: job.reason }, 'channel view built');
        return { done: true, appended: [] };
      }
      const appended = await this.views.refresh(tx, ids, [code]);
      await this.channels.advanceRebuild(tx, code, ids[ids.length - 1]);
      return { done: false, appended };
    });
    this.notifier.notify(outcome.appended);
    return outcome.done;
  }

  /** Recomputes the products whose price window opened or closed since the last check. */
  async applyPriceWindows(): Promise<void> {
    const appended = await this.sources.db.transaction(async (tx) => {
      const skus = await this.sources.priceWindowsPassed(tx, new Date());
      if (skus.length === 0) return [];
      return this.views.refresh(tx, await this.sources.productIdsOfSkus(tx, skus));
    });
    this.notifier.notify(appended);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      this.woken = false;
      try {
        for (const code of await this.channels.pendingRebuilds(this.channels.db, 20)) {
          while (this.running && !(await this.rebuildBatch(code))) {
            /* next batch */
          }
        }
        if (this.config.PRICE_WINDOW_CHECK_MS > 0 && Date.now() >= this.nextWindowCheck) {
          this.nextWindowCheck = Date.now() + this.config.PRICE_WINDOW_CHECK_MS;
          await this.applyPriceWindows();
        }
        failures = 0;
      } catch (err) {
        failures++;
        this.logger.warn({ err: (err as Error).message, failures }, 'rebuilding channel views failed, will retry');
      }
      if (!this.running) break;
      if (this.woken && failures === 0) continue;
      const delay = failures ? Math.min(30_000, 500 * 2 ** Math.min(failures, 6)) : 1000;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }
}

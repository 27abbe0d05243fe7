import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ChannelsNotifications, FeedAppendedNotification, WebhookHeaders } from '@omnibus/contracts';
import { LOGGER, NATS_CONNECTION, SERVICE_CONFIG } from '@omnibus/service-kit';
import { NatsConnection, Subscription } from 'nats';
import type { Logger } from 'pino';
import { ChannelsConfig } from '../config';
import { FeedNotifier } from '../feed/feed-notifier';
import { toFeedEntry } from '../feed/feed-entry';
import { ViewsRepository } from '../views/views.repository';
import { signatureOf } from './signature';
import { postWebhook } from './webhook-client';
import { SubscriptionRow } from './webhooks.schema';
import { ClaimedDelivery, WebhooksRepository } from './webhooks.repository';

/** Deliveries of one subscription claimed together and sent by the same task. */
const PER_SUBSCRIPTION = 8;
const DELIVERED_KEPT_MS = 7 * 24 * 3600 * 1000;

/** Wait before the attempt after `attempts` failed ones: base · 2^(attempts−1), capped, with up to 10 % jitter. */
export function retryDelay(attempts: number, baseMs: number, maxMs: number, random = Math.random()): number {
  const delay = Math.min(maxMs, baseMs * 2 ** Math.min(attempts - 1, 30));
  return Math.round(delay * (1 + random * 0.1));
}

/**
 * Sends webhook deliveries: claims due ones (leases, safe with several replicas), sends each signed,
 * records the outcome, retries with exponential backoff, and dead-letters after the last attempt.
 * Each subscription's batch runs as its own task, so a slow or dead receiver only holds up itself.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private woken = false;
  private readonly busy = new Map<string, Promise<void>>();
  private inFlight = 0;
  private subscription?: Subscription;
  private nextPurge = 0;

  constructor(
    private readonly repository: WebhooksRepository,
    private readonly views: ViewsRepository,
    notifier: FeedNotifier,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ChannelsConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    notifier.onAppended((appended) => appended.some((a) => a.deliveries > 0) && this.wake());
  }

  onApplicationBootstrap() {
    if (!this.config.WEBHOOK_WORKER) return;
    this.running = true;
    // Entries appended by other replicas: deliver without waiting for the next poll.
    this.subscription = this.nats.subscribe(ChannelsNotifications.feedAppended, {
      callback: (err, msg) => {
        if (err) return;
        try {
          if ((msg.json<FeedAppendedNotification>().deliveries ?? 1) > 0) this.wake();
        } catch {
          this.wake();
        }
      },
    });
    this.loop = this.run();
  }

  async onApplicationShutdown() {
    this.running = false;
    this.subscription?.unsubscribe();
    this.wakeUp?.();
    await this.loop;
    // Sends in flight finish (bounded by the timeout); unfinished leases expire and are claimed again.
    await Promise.allSettled([...this.busy.values()]);
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    const pollMs = Math.max(20, Math.min(1000, this.config.WEBHOOK_RETRY_BASE_MS));
    let failures = 0;
    while (this.running) {
      this.woken = false;
      let claimed = 0;
      try {
        claimed = await this.claimAndSend();
        if (Date.now() >= this.nextPurge) {
          this.nextPurge = Date.now() + 3600_000;
          await this.repository.purgeDelivered(DELIVERED_KEPT_MS);
        }
        failures = 0;
      } catch (err) {
        failures++;
        this.logger.warn({ err: (err as Error).message, failures }, 'webhook worker: claiming failed, backing off');
      }
      if (!this.running) break;
      if ((claimed > 0 || this.woken) && failures === 0 && this.inFlight < this.config.WEBHOOK_CONCURRENCY) continue;
      const delay = failures ? Math.min(30_000, 250 * 2 ** Math.min(failures, 7)) : pollMs;
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

  /** Claims what is due and starts sending it; returns how many deliveries were claimed. */
  private async claimAndSend(): Promise<number> {
    const free = this.config.WEBHOOK_CONCURRENCY - this.inFlight;
    if (free <= 0) return 0;
    const claimed = await this.repository.claim({
      busy: [...this.busy.keys()],
      perSubscription: PER_SUBSCRIPTION,
      limit: free,
      leaseMs: this.config.WEBHOOK_TIMEOUT_MS + 30_000,
    });
    const bySubscription = new Map<string, ClaimedDelivery[]>();
    for (const d of claimed) bySubscription.set(d.subscriptionId, [...(bySubscription.get(d.subscriptionId) ?? []), d]);
    for (const [subscriptionId, deliveries] of bySubscription) {
      this.inFlight += deliveries.length;
      const task = this.sendAll(subscriptionId, deliveries).finally(() => {
        this.inFlight -= deliveries.length;
        this.busy.delete(subscriptionId);
        this.wake(); // the next entry of a product may be due now
      });
      this.busy.set(subscriptionId, task);
    }
    return claimed.length;
  }

  private async sendAll(subscriptionId: string, deliveries: ClaimedDelivery[]): Promise<void> {
    try {
      const subscription = await this.repository.byId(this.repository.db, subscriptionId);
      if (!subscription || subscription.status !== 'active') return;
      const entries = new Map(
        (await this.views.entriesBySeq(this.views.db, subscription.channel, deliveries.map((d) => d.entrySeq))).map((e) => [Number(e.seq), e]),
      );
      // Deliveries of one claim are of different products (one pending entry per product at a time): sent side by side.
      await Promise.all(deliveries.map((d) => this.send(subscription, d, entries.get(d.entrySeq))));
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, subscriptionId }, 'webhook worker: a batch failed; its leases will expire and it is retried');
    }
  }

  private async send(subscription: SubscriptionRow, delivery: ClaimedDelivery, entry: Parameters<typeof toFeedEntry>[0] | undefined): Promise<void> {
    const attempt = delivery.attempts + 1;
    if (!entry) {
      await this.repository.recordFailed(delivery, { error: 'the entry is no longer in the feed', status: null, dead: true, retryInMs: 0 });
      return;
    }
    const body = JSON.stringify(toFeedEntry(entry));
    const timestamp = Math.floor(Date.now() / 1000);
    const outcome = await postWebhook(
      subscription.url,
      body,
      {
        [WebhookHeaders.timestamp]: String(timestamp),
        [WebhookHeaders.signature]: signatureOf(subscription.secret, timestamp, body),
        [WebhookHeaders.entryId]: delivery.entryId,
        [WebhookHeaders.attempt]: String(attempt),
        [WebhookHeaders.subscription]: subscription.id,
      },
      { timeoutMs: this.config.WEBHOOK_TIMEOUT_MS, allowPrivate: this.config.WEBHOOK_ALLOW_PRIVATE_TARGETS },
    );
    if (outcome.ok) {
      await this.repository.recordDelivered(delivery, outcome.status ?? 200);
      return;
    }
    const dead = attempt >= this.config.WEBHOOK_MAX_ATTEMPTS;
    const retryInMs = retryDelay(attempt, this.config.WEBHOOK_RETRY_BASE_MS, this.config.WEBHOOK_RETRY_MAX_MS);
    await this.repository.recordFailed(delivery, { error: outcome.error ?? 'failed', status: outcome.status, dead, retryInMs });
    const log = { subscriptionId: subscription.id, channel: subscription.channel, entryId: delivery.entryId, attempt, error: outcome.error };
    if (dead) this.logger.warn(log, 'webhook delivery moved to dead letters after its last attempt');
    else this.logger.info({ ...log, retryInMs }, 'webhook delivery failed, will retry');
  }
}

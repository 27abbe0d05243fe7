import { Inject, Injectable } from '@nestjs/common';
import {
  CreateWebhookRequest,
  CreatedWebhook,
  DeadLetterList,
  ListDeadLettersRequest,
  ListWebhooksRequest,
  RedriveDeadLettersRequest,
  RedriveReply,
  WEBHOOK_KINDS,
  Webhook,
  WebhookList,
  WebhookRef,
  newId,
} from '@omnibus/contracts';
import { RpcError, SERVICE_CONFIG } from '@omnibus/service-kit';
import { ChannelsRepository } from '../channels/channels.repository';
import { ChannelsConfig } from '../config';
import { toFeedEntry } from '../feed/feed-entry';
import { ViewsRepository } from '../views/views.repository';
import { DeliveryWorker } from './delivery.worker';
import { newWebhookSecret } from './signature';
import { targetProblem } from './ssrf';
import { SubscriptionRow } from './webhooks.schema';
import { WebhooksRepository } from './webhooks.repository';

export function toWebhook(row: SubscriptionRow): Webhook {
  return { id: row.id, channel: row.channel, url: row.url, kinds: row.kinds, createdAt: new Date(row.createdAt).toISOString() };
}

/** Webhook subscriptions of a channel, and their dead letters. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly channels: ChannelsRepository,
    private readonly views: ViewsRepository,
    private readonly worker: DeliveryWorker,
    @Inject(SERVICE_CONFIG) private readonly config: ChannelsConfig,
  ) {}

  async create(req: CreateWebhookRequest): Promise<CreatedWebhook> {
    const url = new URL(req.url);
    if (url.username || url.password) throw new RpcError('VALIDATION', 'url must not carry credentials', [{ field: 'url', problem: 'must not carry a user name or password' }]);
    const problem = await targetProblem(url, this.config.WEBHOOK_ALLOW_PRIVATE_TARGETS);
    if (problem) throw new RpcError('VALIDATION', `url is refused: ${problem}`, [{ field: 'url', problem: `is refused: ${problem}` }]);
    const row: SubscriptionRow = {
      id: newId('whk'),
      channel: req.channel,
      url: url.toString(),
      secret: newWebhookSecret(),
      kinds: req.kinds ?? [...WEBHOOK_KINDS],
      status: 'active',
      failures: 0,
      lastError: null,
      lastDeliveredAt: null,
      createdAt: new Date(),
      deletedAt: null,
    };
    await this.channels.db.transaction(async (tx) => {
      // With the channel row locked no entry is being appended: the subscription sees every entry after this point.
      if (!(await this.channels.lock(tx, req.channel))) throw new RpcError('NOT_FOUND', `channel ${req.channel} does not exist`);
      await this.repository.insert(tx, row);
      if (req.from === 'start') await this.repository.backfill(tx, row);
    });
    this.worker.wake();
    return { ...toWebhook(row), secret: row.secret };
  }

  async list(req: ListWebhooksRequest): Promise<WebhookList> {
    await this.channelMustExist(req.channel);
    return { items: (await this.repository.listActive(this.repository.db, req.channel)).map(toWebhook) };
  }

  async get(req: WebhookRef): Promise<Webhook> {
    return toWebhook(await this.subscription(req));
  }

  async delete(req: WebhookRef): Promise<Webhook> {
    const row = await this.subscription(req);
    await this.repository.db.transaction((tx) => this.repository.delete(tx, row.id));
    return toWebhook(row);
  }

  async deadLetters(req: ListDeadLettersRequest): Promise<DeadLetterList> {
    const row = await this.subscription(req);
    const dead = await this.repository.deadLetters(this.repository.db, row.id, req.limit ?? 100);
    const entries = new Map((await this.views.entriesBySeq(this.views.db, row.channel, dead.map((d) => Number(d.entrySeq)))).map((e) => [Number(e.seq), e]));
    return {
      items: dead
        .filter((d) => entries.has(Number(d.entrySeq)))
        .map((d) => ({
          entryId: d.entryId,
          entry: toFeedEntry(entries.get(Number(d.entrySeq))!),
          attempts: d.attempts,
          lastError: d.lastError,
          lastStatus: d.lastStatus,
          deadAt: new Date(d.deadAt ?? d.createdAt).toISOString(),
        })),
    };
  }

  async redrive(req: RedriveDeadLettersRequest): Promise<RedriveReply> {
    const row = await this.subscription(req);
    const redriven = await this.repository.redrive(this.repository.db, row.id, req.entryId);
    if (req.entryId && redriven === 0) throw new RpcError('NOT_FOUND', `entry ${req.entryId} is not a dead letter of webhook ${row.id}`);
    this.worker.wake();
    return { redriven };
  }

  private async subscription(ref: WebhookRef): Promise<SubscriptionRow> {
    const row = await this.repository.get(this.repository.db, ref.channel, ref.id);
    if (!row) throw new RpcError('NOT_FOUND', `channel ${ref.channel} has no webhook ${ref.id}`);
    return row;
  }

  private async channelMustExist(code: string): Promise<void> {
    if (!(await this.channels.get(this.channels.db, code))) throw new RpcError('NOT_FOUND', `channel ${code} does not exist`);
  }
}

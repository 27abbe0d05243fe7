import { Injectable } from '@nestjs/common';
import { ChannelSync, GetSyncRequest, SourceSync, SyncLag, WebhookSync } from '@omnibus/contracts';
import { RpcError } from '@omnibus/service-kit';
import { ChannelsRepository } from '../channels/channels.repository';
import { encodeFeedCursor } from '../feed/cursor';
import { SourcesConsumers } from '../sources/sources.consumers';
import { SourceName, SourcesRepository } from '../sources/sources.repository';
import { ViewsRepository } from '../views/views.repository';
import { WebhooksRepository } from '../webhooks/webhooks.repository';
import { ConsistencyService } from './consistency.service';

function lag(entries: number, oldestAt: Date | null, now: number): SyncLag {
  return { entries, seconds: oldestAt && entries > 0 ? Math.max(0, Math.round(now - oldestAt.getTime()) / 1000) : 0 };
}

/** How far in sync a channel is: its feed, its own reader, each webhook, the sources, and (on demand) drift. */
@Injectable()
export class SyncService {
  constructor(
    private readonly channels: ChannelsRepository,
    private readonly views: ViewsRepository,
    private readonly webhooks: WebhooksRepository,
    private readonly sources: SourcesRepository,
    private readonly consumers: SourcesConsumers,
    private readonly consistency: ConsistencyService,
  ) {}

  async get(req: GetSyncRequest): Promise<ChannelSync> {
    const row = await this.channels.get(this.channels.db, req.channel);
    if (!row) throw new RpcError('NOT_FOUND', `channel ${req.channel} does not exist`);
    const code = row.code;
    const lastSeq = Number(row.lastSeq);
    const now = Date.now();
    const readSeq = row.readSeq === null ? null : Number(row.readSeq);
    const readerLag = await this.views.lagAfter(this.views.db, code, readSeq ?? 0, lastSeq);

    const webhooks: WebhookSync[] = [];
    for (const sub of await this.webhooks.listActive(this.webhooks.db, code)) {
      const stats = await this.webhooks.stats(this.webhooks.db, sub.id);
      const [oldest] = stats.oldestPendingSeq === null ? [] : await this.views.entriesBySeq(this.views.db, code, [stats.oldestPendingSeq]);
      webhooks.push({
        id: sub.id,
        url: sub.url,
        deliveredThrough: encodeFeedCursor(code, stats.oldestPendingSeq === null ? lastSeq : stats.oldestPendingSeq - 1),
        lastDeliveredAt: sub.lastDeliveredAt ? new Date(sub.lastDeliveredAt).toISOString() : null,
        lag: lag(stats.pending, oldest ? new Date(oldest.occurredAt) : null, now),
        pending: stats.pending,
        retrying: stats.retrying,
        failures: Number(sub.failures),
        deadLetters: stats.dead,
        lastError: sub.lastError,
      });
    }

    const states = new Map((await this.sources.states()).map((s) => [s.source, s]));
    const sources: SourceSync[] = (['catalog', 'pricing', 'inventory'] as SourceName[]).map((source) => ({
      source,
      following: this.consumers.isFollowing(source),
      events: Number(states.get(source)?.events ?? 0),
      lastEventAt: states.get(source)?.lastEventAt ? new Date(states.get(source)!.lastEventAt!).toISOString() : null,
    }));

    return {
      channel: code,
      snapshot: { status: row.snapshotStatus, reason: row.snapshotReason },
      feed: {
        lastCursor: encodeFeedCursor(code, lastSeq),
        entries: lastSeq,
        lastEntryAt: row.lastEntryAt ? new Date(row.lastEntryAt).toISOString() : null,
        products: await this.views.countPresent(this.views.db, code),
      },
      reader: {
        lastReadCursor: readSeq === null ? null : encodeFeedCursor(code, readSeq),
        lastReadAt: row.readAt ? new Date(row.readAt).toISOString() : null,
        lag: lag(readerLag.entries, readerLag.oldestAt, now),
      },
      webhooks,
      sources,
      ...(req.check ? { consistency: await this.consistency.check(row) } : {}),
    };
  }
}

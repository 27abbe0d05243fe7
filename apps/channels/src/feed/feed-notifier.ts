import { Inject, Injectable } from '@nestjs/common';
import { ChannelsNotifications, FeedAppendedNotification } from '@omnibus/contracts';
import { LOGGER, NATS_CONNECTION } from '@omnibus/service-kit';
import { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { AppendedFeed } from '../views/views.service';
import { encodeFeedCursor } from './cursor';
import { toFeedEntry } from './feed-entry';

const MAX_ENTRIES_CARRIED = 50;
const MAX_BYTES_CARRIED = 256 * 1024;

/**
 * Tells live readers that feeds grew, after the commit that made the entries visible: this process's
 * webhook worker directly, and everyone else (gateway SSE streams, other replicas) with a core NATS
 * message. A lost message only delays a reader until its next poll.
 */
@Injectable()
export class FeedNotifier {
  private readonly listeners = new Set<(appended: AppendedFeed[]) => void>();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  notify(appended: AppendedFeed[]): void {
    if (appended.length === 0) return;
    for (const a of appended) {
      const message: FeedAppendedNotification = {
        channel: a.channel,
        afterCursor: encodeFeedCursor(a.channel, a.lastSeq - a.entries.length),
        lastCursor: encodeFeedCursor(a.channel, a.lastSeq),
        deliveries: a.deliveries,
      };
      // Few small entries travel with the notification: live readers at that position need not read the feed.
      if (a.entries.length <= MAX_ENTRIES_CARRIED) {
        const entries = a.entries.map(toFeedEntry);
        if (JSON.stringify(entries).length <= MAX_BYTES_CARRIED) message.entries = entries;
      }
      try {
        this.nats.publish(ChannelsNotifications.feedAppended, JSON.stringify(message));
      } catch (err) {
        this.logger.debug({ err: (err as Error).message }, 'feed notification not sent');
      }
    }
    for (const listener of this.listeners) listener(appended);
  }

  onAppended(listener: (appended: AppendedFeed[]) => void): void {
    this.listeners.add(listener);
  }
}

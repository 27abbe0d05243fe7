import type { FeedEntry } from './feed';

/** Requests the channels service answers (queue group `channels`). */
export const ChannelsSubjects = {
  createChannel: 'channels.channel.create',
  updateChannel: 'channels.channel.update',
  getChannel: 'channels.channel.get',
  listChannels: 'channels.channel.list',
  /** Recomputes every product of a channel's view from the service's copies (repairs drift). */
  resyncChannel: 'channels.channel.resync',
  readFeed: 'channels.feed.read',
  getSync: 'channels.sync.get',
  createWebhook: 'channels.webhook.create',
  listWebhooks: 'channels.webhook.list',
  getWebhook: 'channels.webhook.get',
  deleteWebhook: 'channels.webhook.delete',
  listDeadLetters: 'channels.dead-letter.list',
  redriveDeadLetters: 'channels.dead-letter.redrive',
} as const;

/** Durable events the channels service publishes on its JetStream stream. */
export const ChannelsEvents = {
  channelCreated: 'channels.channel.created',
  channelUpdated: 'channels.channel.updated',
} as const;

export const CHANNELS_STREAM = 'CHANNELS_EVENTS';

/**
 * Core NATS notifications (not durable, not on the stream): a hint that a channel's feed grew, so
 * live readers (the gateway's SSE streams, webhook workers of other replicas) read at once instead
 * of waiting for their next poll. Missing one delays a reader by at most its poll interval.
 */
export const ChannelsNotifications = {
  feedAppended: 'channels.feed.appended',
} as const;

/** Payload of `channels.feed.appended`. */
export interface FeedAppendedNotification {
  channel: string;
  /** Cursor of the position before the first entry appended. */
  afterCursor?: string;
  /** Cursor of the last entry appended. */
  lastCursor: string;
  /** The entries themselves when they are few and small: a reader at `afterCursor` need not read the feed. */
  entries?: FeedEntry[];
  /** Webhook deliveries queued with the entries: delivery workers need not wake for 0. */
  deliveries?: number;
}

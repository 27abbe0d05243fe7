import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ChannelsNotifications, ChannelsSubjects, FeedAppendedNotification, FeedEntry, FeedPage } from '@omnibus/contracts';
import { LOGGER, NATS_CONNECTION, RemoteError, ServiceClient, env, readEnv } from '@omnibus/service-kit';
import type { ServerResponse } from 'node:http';
import { NatsConnection, Subscription } from 'nats';
import type { Logger } from 'pino';
import { SERVICE_CLIENT } from '../tokens';

/** Settings of the live streams, read once from the environment. */
export const streamEnv = {
  SSE_HEARTBEAT_MS: env.int('how often an idle channel stream sends a comment line, so proxies keep it open', 1000, 300_000, { default: '15000' }),
  SSE_POLL_MS: env.int('how often a channel stream reads the feed when no notification came (notifications are not durable)', 50, 60_000, { default: '2000' }),
};

/** One open text/event-stream response of one channel. */
interface LiveStream {
  channel: string;
  cursor: string;
  out: ServerResponse;
  pumping: boolean;
  again: boolean;
  closed: boolean;
  timers: NodeJS.Timeout[];
}

/** An entry as one Server-Sent Event: the id is its cursor, so a reconnect resumes with Last-Event-ID. */
export function sseEvent(entry: FeedEntry): string {
  return `id: ${entry.cursor}\nevent: entry\ndata: ${JSON.stringify(entry)}\n\n`;
}

/**
 * Channel feeds as Server-Sent Events. The channels service announces appended entries with a core
 * NATS message (`channels.feed.appended`); each stream of that channel then reads the feed after its
 * last cursor over NATS and writes what is new. Notifications are not durable, so every stream also
 * reads every SSE_POLL_MS. Streams end on client disconnect and when the gateway shuts down.
 */
@Injectable()
export class ChannelStreams implements OnModuleInit, OnModuleDestroy {
  private readonly byChannel = new Map<string, Set<LiveStream>>();
  private subscription?: Subscription;
  private readonly settings = readEnv(streamEnv);

  constructor(
    @Inject(SERVICE_CLIENT) private readonly services: ServiceClient,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit() {
    this.subscription = this.nats.subscribe(ChannelsNotifications.feedAppended, {
      callback: (err, msg) => {
        if (err) return;
        try {
          const note = msg.json<FeedAppendedNotification>();
          for (const stream of this.byChannel.get(note.channel) ?? []) this.appended(stream, note);
        } catch {
          /* not ours to judge: the poll catches up */
        }
      },
    });
  }

  /** Ends every stream (shutdown): clients reconnect, with Last-Event-ID, to another replica. */
  onModuleDestroy() {
    this.subscription?.unsubscribe();
    for (const streams of this.byChannel.values()) for (const stream of streams) this.close(stream);
  }

  get open(): number {
    let n = 0;
    for (const s of this.byChannel.values()) n += s.size;
    return n;
  }

  /**
   * Starts streaming `first` (already read, so errors could still be plain HTTP errors) and what
   * follows it, on a response whose headers are not sent yet.
   */
  start(channel: string, first: FeedPage, out: ServerResponse, onClose: (listener: () => void) => void): void {
    out.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    out.write('retry: 2000\n\n');
    const stream: LiveStream = { channel, cursor: first.nextCursor, out, pumping: false, again: false, closed: false, timers: [] };
    for (const entry of first.entries) out.write(sseEvent(entry));
    let streams = this.byChannel.get(channel);
    if (!streams) this.byChannel.set(channel, (streams = new Set()));
    streams.add(stream);
    stream.timers.push(setInterval(() => !stream.closed && out.write(': ping\n\n'), this.settings.SSE_HEARTBEAT_MS));
    stream.timers.push(setInterval(() => void this.pump(stream), this.settings.SSE_POLL_MS));
    onClose(() => this.close(stream));
    if (first.hasMore) void this.pump(stream);
  }

  /**
   * Entries a notification carries are written at once when they follow the stream's cursor exactly;
   * otherwise (a notification missed, reordered, or without entries) the stream reads the feed.
   */
  private appended(stream: LiveStream, note: FeedAppendedNotification): void {
    if (stream.closed) return;
    if (!stream.pumping && !stream.out.writableNeedDrain && note.entries?.length && note.afterCursor === stream.cursor) {
      for (const entry of note.entries) stream.out.write(sseEvent(entry));
      stream.cursor = note.lastCursor;
      return;
    }
    void this.pump(stream);
  }

  /** Writes every entry after the stream's cursor; one read at a time per stream, repeated when asked meanwhile. */
  private async pump(stream: LiveStream): Promise<void> {
    if (stream.closed) return;
    if (stream.pumping) {
      stream.again = true;
      return;
    }
    stream.pumping = true;
    try {
      do {
        stream.again = false;
        let page: FeedPage;
        do {
          page = await this.services.request<FeedPage>(ChannelsSubjects.readFeed, { channel: stream.channel, after: stream.cursor, limit: 200 });
          if (stream.closed) return;
          for (const entry of page.entries) {
            // Respect a slow client: wait until its buffer drains before writing more.
            if (!stream.out.write(sseEvent(entry))) {
              await new Promise((resolve) => {
                stream.out.once('drain', resolve);
                stream.out.once('close', resolve);
              });
            }
          }
          stream.cursor = page.nextCursor;
        } while (page.hasMore && !stream.closed);
      } while (stream.again && !stream.closed);
    } catch (err) {
      if (err instanceof RemoteError && (err.body.code === 'NOT_FOUND' || err.body.code === 'VALIDATION')) {
        stream.out.write(`event: error\ndata: ${JSON.stringify({ message: err.body.message })}\n\n`);
        this.close(stream);
      } else {
        this.logger.debug({ err: (err as Error).message, channel: stream.channel }, 'channel stream: read failed, will retry');
      }
    } finally {
      stream.pumping = false;
    }
  }

  private close(stream: LiveStream): void {
    if (stream.closed) return;
    stream.closed = true;
    for (const t of stream.timers) clearInterval(t);
    this.byChannel.get(stream.channel)?.delete(stream);
    if (this.byChannel.get(stream.channel)?.size === 0) this.byChannel.delete(stream.channel);
    stream.out.end();
  }
}

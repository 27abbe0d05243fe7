import { Injectable } from '@nestjs/common';
import { FeedPage, ReadFeedRequest } from '@omnibus/contracts';
import { RpcError } from '@omnibus/service-kit';
import { ChannelsRepository } from '../channels/channels.repository';
import { ViewsRepository } from '../views/views.repository';
import { decodeFeedCursor, encodeFeedCursor } from './cursor';
import { toFeedEntry } from './feed-entry';

/** Reads a channel's feed: the entries after a cursor, in order; any earlier cursor can be read again. */
@Injectable()
export class FeedService {
  constructor(
    private readonly channels: ChannelsRepository,
    private readonly views: ViewsRepository,
  ) {}

  async read(req: ReadFeedRequest): Promise<FeedPage> {
    const channel = await this.channels.get(this.channels.db, req.channel);
    if (!channel) throw new RpcError('NOT_FOUND', `channel ${req.channel} does not exist`);
    const afterSeq = req.after ? decodeFeedCursor(req.channel, req.after) : 0;
    const limit = req.limit ?? 100;
    const rows = await this.views.entriesAfter(this.views.db, req.channel, afterSeq, limit + 1);
    const entries = rows.slice(0, limit).map(toFeedEntry);
    // Reading after a cursor means everything up to it was processed: the channel's own reader position.
    if (req.acknowledge && req.after && afterSeq > (channel.readSeq ?? 0)) await this.channels.recordRead(this.channels.db, req.channel, afterSeq);
    return {
      channel: req.channel,
      entries,
      nextCursor: entries.length ? entries[entries.length - 1].cursor : encodeFeedCursor(req.channel, afterSeq),
      hasMore: rows.length > limit,
    };
  }
}

import { MessagePattern, Payload } from '@nestjs/microservices';
import { ChannelsSubjects, ReadFeedRequest } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { FeedService } from './feed.service';

/** NATS handlers only. */
@NatsHandlers()
export class FeedController {
  constructor(private readonly feed: FeedService) {}

  @MessagePattern(ChannelsSubjects.readFeed)
  read(@Payload() req: ReadFeedRequest) {
    return this.feed.read(req);
  }
}

import { MessagePattern, Payload } from '@nestjs/microservices';
import { ChannelRef, ChannelsSubjects, CreateChannelRequest, ListChannelsRequest, UpdateChannelRequest } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { ChannelsService } from './channels.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @MessagePattern(ChannelsSubjects.createChannel)
  create(@Payload() req: CreateChannelRequest) {
    return this.channels.create(req);
  }

  @MessagePattern(ChannelsSubjects.updateChannel)
  update(@Payload() req: UpdateChannelRequest) {
    return this.channels.update(req);
  }

  @MessagePattern(ChannelsSubjects.getChannel)
  get(@Payload() req: ChannelRef) {
    return this.channels.get(req);
  }

  @MessagePattern(ChannelsSubjects.listChannels)
  list(@Payload() _req: ListChannelsRequest) {
    return this.channels.list();
  }

  @MessagePattern(ChannelsSubjects.resyncChannel)
  resync(@Payload() req: ChannelRef) {
    return this.channels.resync(req);
  }
}

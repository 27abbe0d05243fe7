import { MessagePattern, Payload } from '@nestjs/microservices';
import { ChannelsSubjects, GetSyncRequest } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { SyncService } from './sync.service';

/** NATS handlers only. */
@NatsHandlers()
export class SyncController {
  constructor(private readonly sync: SyncService) {}

  @MessagePattern(ChannelsSubjects.getSync)
  get(@Payload() req: GetSyncRequest) {
    return this.sync.get(req);
  }
}

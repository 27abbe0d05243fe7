import { MessagePattern, Payload } from '@nestjs/microservices';
import { ContentSubjects, CreateEntryRequest, EntryIdRequest, ListEntriesRequest, PublishEntryRequest, RollbackEntryRequest, UpdateEntryRequest } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { EntriesService } from './entries.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class EntriesController {
  constructor(private readonly entries: EntriesService) {}

  @MessagePattern(ContentSubjects.createEntry)
  create(@Payload() req: CreateEntryRequest) {
    return this.entries.create(req);
  }

  @MessagePattern(ContentSubjects.updateEntry)
  update(@Payload() req: UpdateEntryRequest) {
    return this.entries.update(req);
  }

  @MessagePattern(ContentSubjects.getEntry)
  get(@Payload() req: EntryIdRequest) {
    return this.entries.get(req);
  }

  @MessagePattern(ContentSubjects.listEntries)
  list(@Payload() req: ListEntriesRequest) {
    return this.entries.list(req);
  }

  @MessagePattern(ContentSubjects.publishEntry)
  publish(@Payload() req: PublishEntryRequest) {
    return this.entries.publish(req);
  }

  @MessagePattern(ContentSubjects.unscheduleEntry)
  unschedule(@Payload() req: EntryIdRequest) {
    return this.entries.unschedule(req);
  }

  @MessagePattern(ContentSubjects.unpublishEntry)
  unpublish(@Payload() req: EntryIdRequest) {
    return this.entries.unpublish(req);
  }

  @MessagePattern(ContentSubjects.rollbackEntry)
  rollback(@Payload() req: RollbackEntryRequest) {
    return this.entries.rollback(req);
  }

  @MessagePattern(ContentSubjects.entryHistory)
  history(@Payload() req: EntryIdRequest) {
    return this.entries.history(req);
  }
}

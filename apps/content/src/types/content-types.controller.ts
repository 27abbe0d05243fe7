import { MessagePattern, Payload } from '@nestjs/microservices';
import { ContentSubjects, CreateContentTypeRequest, GetContentTypeRequest, ListContentTypesRequest, UpdateContentTypeRequest } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { ContentTypesService } from './content-types.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class ContentTypesController {
  constructor(private readonly types: ContentTypesService) {}

  @MessagePattern(ContentSubjects.createType)
  create(@Payload() req: CreateContentTypeRequest) {
    return this.types.create(req);
  }

  @MessagePattern(ContentSubjects.updateType)
  update(@Payload() req: UpdateContentTypeRequest) {
    return this.types.update(req);
  }

  @MessagePattern(ContentSubjects.getType)
  get(@Payload() req: GetContentTypeRequest) {
    return this.types.get(req);
  }

  @MessagePattern(ContentSubjects.listTypes)
  list(@Payload() _req: ListContentTypesRequest) {
    return this.types.list();
  }
}

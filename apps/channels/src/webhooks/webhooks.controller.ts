import { MessagePattern, Payload } from '@nestjs/microservices';
import { ChannelsSubjects, CreateWebhookRequest, ListDeadLettersRequest, ListWebhooksRequest, RedriveDeadLettersRequest, WebhookRef } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { WebhooksService } from './webhooks.service';

/** NATS handlers only. */
@NatsHandlers()
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @MessagePattern(ChannelsSubjects.createWebhook)
  create(@Payload() req: CreateWebhookRequest) {
    return this.webhooks.create(req);
  }

  @MessagePattern(ChannelsSubjects.listWebhooks)
  list(@Payload() req: ListWebhooksRequest) {
    return this.webhooks.list(req);
  }

  @MessagePattern(ChannelsSubjects.getWebhook)
  get(@Payload() req: WebhookRef) {
    return this.webhooks.get(req);
  }

  @MessagePattern(ChannelsSubjects.deleteWebhook)
  delete(@Payload() req: WebhookRef) {
    return this.webhooks.delete(req);
  }

  @MessagePattern(ChannelsSubjects.listDeadLetters)
  deadLetters(@Payload() req: ListDeadLettersRequest) {
    return this.webhooks.deadLetters(req);
  }

  @MessagePattern(ChannelsSubjects.redriveDeadLetters)
  redrive(@Payload() req: RedriveDeadLettersRequest) {
    return this.webhooks.redrive(req);
  }
}

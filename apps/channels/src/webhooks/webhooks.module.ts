import { Module } from '@nestjs/common';
import { DeliveryWorker } from './delivery.worker';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

@Module({
  controllers: [WebhooksController],
  providers: [WebhooksService, DeliveryWorker],
})
export class WebhooksModule {}

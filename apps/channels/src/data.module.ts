import { Global, Module } from '@nestjs/common';
import { ChannelsRepository } from './channels/channels.repository';
import { FeedNotifier } from './feed/feed-notifier';
import { SourcesRepository } from './sources/sources.repository';
import { ViewsRepository } from './views/views.repository';
import { WebhooksRepository } from './webhooks/webhooks.repository';

/** The repositories (the only queries) and the feed notifier, shared by every feature of the service. */
@Global()
@Module({
  providers: [ChannelsRepository, SourcesRepository, ViewsRepository, WebhooksRepository, FeedNotifier],
  exports: [ChannelsRepository, SourcesRepository, ViewsRepository, WebhooksRepository, FeedNotifier],
})
export class DataModule {}

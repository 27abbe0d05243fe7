import { DynamicModule, Module } from '@nestjs/common';
import { CHANNELS_STREAM, ChannelsEvents } from '@omnibus/contracts';
import { Migration, ServiceKitModule } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { ChannelsModule } from './channels/channels.module';
import { ChannelsConfig } from './config';
import { DataModule } from './data.module';
import { FeedModule } from './feed/feed.module';
import { SourcesModule } from './sources/sources.module';
import { SyncModule } from './sync/sync.module';
import { ViewsModule } from './views/views.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  static forRoot(config: ChannelsConfig, logger: Logger, migrations: Migration[]): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot({
          service: 'channels',
          config,
          logger,
          migrations,
          streams: [{ name: CHANNELS_STREAM, subjects: Object.values(ChannelsEvents) }],
        }),
        DataModule,
        ViewsModule,
        SourcesModule,
        ChannelsModule,
        FeedModule,
        WebhooksModule,
        SyncModule,
      ],
    };
  }
}

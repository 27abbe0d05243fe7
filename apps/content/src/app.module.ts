import { DynamicModule, Module } from '@nestjs/common';
import { CONTENT_STREAM, ContentEvents } from '@omnibus/contracts';
import { Migration, ServiceKitModule } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { CONTENT_CONFIG, ContentConfig } from './config';
import { DeliveryModule } from './delivery/delivery.module';
import { EntriesModule } from './entries/entries.module';
import { ContentTypesModule } from './types/content-types.module';

@Module({})
export class AppModule {
  static forRoot(config: ContentConfig, logger: Logger, migrations: Migration[]): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot({
          service: 'content',
          config,
          logger,
          migrations,
          streams: [{ name: CONTENT_STREAM, subjects: Object.values(ContentEvents) }],
        }),
        { module: ContentConfigModule, global: true, providers: [{ provide: CONTENT_CONFIG, useValue: config }], exports: [CONTENT_CONFIG] },
        ContentTypesModule,
        EntriesModule,
        DeliveryModule,
      ],
    };
  }
}

@Module({})
class ContentConfigModule {}

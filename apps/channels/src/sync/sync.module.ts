import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { SERVICE_CONFIG, ServiceClient } from '@omnibus/service-kit';
import { ChannelsConfig } from '../config';
import { SourcesModule } from '../sources/sources.module';
import { ConsistencyService, SOURCE_CLIENT } from './consistency.service';
import { SyncController } from './sync.controller';
import { SyncService } from './sync.service';

@Module({
  imports: [SourcesModule],
  controllers: [SyncController],
  providers: [
    SyncService,
    ConsistencyService,
    {
      // Requests to catalog, pricing and inventory (the consistency check); a page may take longer than a usual request.
      provide: SOURCE_CLIENT,
      inject: [SERVICE_CONFIG],
      useFactory: async (config: ChannelsConfig) => {
        const client = new ServiceClient(config.NATS_URL.split(',').map((s) => s.trim()), 'channels-sources', Math.max(config.NATS_REQUEST_TIMEOUT_MS, 15_000));
        await client.connect();
        return client;
      },
    },
  ],
})
export class SyncModule implements OnApplicationShutdown {
  constructor(@Inject(SOURCE_CLIENT) private readonly client: ServiceClient) {}

  async onApplicationShutdown() {
    await this.client.close();
  }
}

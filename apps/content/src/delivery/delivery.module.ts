import { Module } from '@nestjs/common';
import { ServiceClient } from '@omnibus/service-kit';
import { CONTENT_CONFIG, ContentConfig } from '../config';
import { ContentTypesModule } from '../types/content-types.module';
import { DeliveryController } from './delivery.controller';
import { DeliveryRepository } from './delivery.repository';
import { DeliveryService } from './delivery.service';
import { CATALOG_CLIENT, ProductResolver } from './product-resolver';

@Module({
  imports: [ContentTypesModule],
  controllers: [DeliveryController],
  providers: [
    DeliveryService,
    DeliveryRepository,
    ProductResolver,
    {
      provide: CATALOG_CLIENT,
      inject: [CONTENT_CONFIG],
      useFactory: async (config: ContentConfig) => {
        const client = new ServiceClient(config.NATS_URL.split(',').map((s) => s.trim()), 'content-catalog-client', config.PRODUCT_RESOLVE_TIMEOUT_MS);
        await client.connect();
        return client;
      },
    },
  ],
})
export class DeliveryModule {}

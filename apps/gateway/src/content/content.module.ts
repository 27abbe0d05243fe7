import { Module } from '@nestjs/common';
import { ContentDeliveryController } from './content-delivery.controller';
import { ContentEntriesController } from './content-entries.controller';
import { ContentTypesController } from './content-types.controller';

/** The content service's routes: management (admin) and delivery (every key). */
@Module({
  controllers: [ContentTypesController, ContentEntriesController, ContentDeliveryController],
})
export class ContentModule {}

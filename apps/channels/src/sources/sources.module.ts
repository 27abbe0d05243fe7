import { Module } from '@nestjs/common';
import { ViewsModule } from '../views/views.module';
import { SourcesConsumers } from './sources.consumers';
import { SourcesService } from './sources.service';

@Module({
  imports: [ViewsModule],
  providers: [SourcesService, SourcesConsumers],
  exports: [SourcesConsumers],
})
export class SourcesModule {}

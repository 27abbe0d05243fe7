import { Module } from '@nestjs/common';
import { RebuildWorker } from './rebuild.worker';
import { ViewsService } from './views.service';

@Module({
  providers: [ViewsService, RebuildWorker],
  exports: [ViewsService, RebuildWorker],
})
export class ViewsModule {}

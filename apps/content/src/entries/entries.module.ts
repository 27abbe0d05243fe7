import { Module } from '@nestjs/common';
import { ContentTypesModule } from '../types/content-types.module';
import { EntriesController } from './entries.controller';
import { EntriesRepository } from './entries.repository';
import { EntriesService } from './entries.service';
import { ScheduleSweeper } from './schedule.sweeper';

@Module({
  imports: [ContentTypesModule],
  controllers: [EntriesController],
  providers: [EntriesService, EntriesRepository, ScheduleSweeper],
})
export class EntriesModule {}

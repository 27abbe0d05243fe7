import { Module } from '@nestjs/common';
import { ChannelStreams } from './channel-streams';
import { ChannelsController } from './channels.controller';

@Module({
  controllers: [ChannelsController],
  providers: [ChannelStreams],
})
export class ChannelsModule {}

import { Module } from '@nestjs/common';
import { ReservationSweeper } from './reservation-sweeper';
import { ReservationsController } from './reservations.controller';
import { ReservationsRepository } from './reservations.repository';
import { ReservationsService } from './reservations.service';

@Module({
  controllers: [ReservationsController],
  providers: [ReservationsService, ReservationsRepository, ReservationSweeper],
})
export class ReservationsModule {}

import { Module } from '@nestjs/common';
import { QuoteDataModule } from '../quotes/quote-data.module';
import { PricesController } from './prices.controller';
import { PricesRepository } from './prices.repository';
import { PricesService } from './prices.service';

@Module({
  imports: [QuoteDataModule],
  controllers: [PricesController],
  providers: [PricesService, PricesRepository],
})
export class PricesModule {}

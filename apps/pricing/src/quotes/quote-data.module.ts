import { Module } from '@nestjs/common';
import { QuoteDataCache } from './quote-data-cache';
import { QuotesRepository } from './quotes.repository';

/** What quotes read (prices with product facts) and its cache; prices evict from it after their writes. */
@Module({
  providers: [QuotesRepository, QuoteDataCache],
  exports: [QuoteDataCache],
})
export class QuoteDataModule {}

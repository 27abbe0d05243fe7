import { MessagePattern, Payload } from '@nestjs/microservices';
import { CalculateQuoteRequest, PricingSubjects } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { QuotesService } from './quotes.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class QuotesController {
  constructor(private readonly quotes: QuotesService) {}

  @MessagePattern(PricingSubjects.calculateQuote)
  calculate(@Payload() req: CalculateQuoteRequest) {
    return this.quotes.calculate(req);
  }
}

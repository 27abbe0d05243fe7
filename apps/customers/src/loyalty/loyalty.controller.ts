import { MessagePattern, Payload } from '@nestjs/microservices';
import { AdjustPointsRequest, CustomersSubjects, EarnPointsRequest, ExpirePointsRequest, GetLoyaltyRequest, RedeemPointsRequest } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { LoyaltyService } from './loyalty.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class LoyaltyController {
  constructor(private readonly loyalty: LoyaltyService) {}

  @MessagePattern(CustomersSubjects.earnPoints)
  earn(@Payload() req: EarnPointsRequest) {
    return this.loyalty.earn(req);
  }

  @MessagePattern(CustomersSubjects.redeemPoints)
  redeem(@Payload() req: RedeemPointsRequest) {
    return this.loyalty.redeem(req);
  }

  @MessagePattern(CustomersSubjects.adjustPoints)
  adjust(@Payload() req: AdjustPointsRequest) {
    return this.loyalty.adjust(req);
  }

  @MessagePattern(CustomersSubjects.getLoyalty)
  get(@Payload() req: GetLoyaltyRequest) {
    return this.loyalty.get(req);
  }

  @MessagePattern(CustomersSubjects.expirePoints)
  expire(@Payload() req: ExpirePointsRequest) {
    return this.loyalty.expire(req);
  }
}

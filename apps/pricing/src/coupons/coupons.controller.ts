import { MessagePattern, Payload } from '@nestjs/microservices';
import { GetCouponRequest, PricingSubjects, RedeemCouponRequest, ReleaseCouponRequest } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { CouponsService } from './coupons.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class CouponsController {
  constructor(private readonly coupons: CouponsService) {}

  @MessagePattern(PricingSubjects.getCoupon)
  get(@Payload() req: GetCouponRequest) {
    return this.coupons.get(req);
  }

  @MessagePattern(PricingSubjects.redeemCoupon)
  redeem(@Payload() req: RedeemCouponRequest) {
    return this.coupons.redeem(req);
  }

  @MessagePattern(PricingSubjects.releaseCoupon)
  release(@Payload() req: ReleaseCouponRequest) {
    return this.coupons.release(req);
  }
}

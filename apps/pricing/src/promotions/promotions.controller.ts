import { MessagePattern, Payload } from '@nestjs/microservices';
import { CreatePromotionRequest, DeletePromotionRequest, GetPromotionRequest, ListPromotionsRequest, PricingSubjects, UpdatePromotionRequest } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { PromotionsService } from './promotions.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class PromotionsController {
  constructor(private readonly promotions: PromotionsService) {}

  @MessagePattern(PricingSubjects.createPromotion)
  create(@Payload() req: CreatePromotionRequest) {
    return this.promotions.create(req);
  }

  @MessagePattern(PricingSubjects.updatePromotion)
  update(@Payload() req: UpdatePromotionRequest) {
    return this.promotions.update(req);
  }

  @MessagePattern(PricingSubjects.deletePromotion)
  delete(@Payload() req: DeletePromotionRequest) {
    return this.promotions.delete(req);
  }

  @MessagePattern(PricingSubjects.getPromotion)
  get(@Payload() req: GetPromotionRequest) {
    return this.promotions.get(req);
  }

  @MessagePattern(PricingSubjects.listPromotions)
  list(@Payload() req: ListPromotionsRequest) {
    return this.promotions.list(req);
  }
}

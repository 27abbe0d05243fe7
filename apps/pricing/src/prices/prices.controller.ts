import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CreatePriceListRequest,
  CreatePriceRequest,
  DeletePriceListRequest,
  DeletePriceRequest,
  GetPriceListRequest,
  GetPriceRequest,
  ListPriceListsRequest,
  ListPricesRequest,
  PricingSubjects,
  ResolvePricesRequest,
  UpdatePriceListRequest,
  UpdatePriceRequest,
  UpsertPricesRequest,
} from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { PricesService } from './prices.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class PricesController {
  constructor(private readonly prices: PricesService) {}

  @MessagePattern(PricingSubjects.createPriceList)
  createList(@Payload() req: CreatePriceListRequest) {
    return this.prices.createList(req);
  }

  @MessagePattern(PricingSubjects.updatePriceList)
  updateList(@Payload() req: UpdatePriceListRequest) {
    return this.prices.updateList(req);
  }

  @MessagePattern(PricingSubjects.deletePriceList)
  deleteList(@Payload() req: DeletePriceListRequest) {
    return this.prices.deleteList(req);
  }

  @MessagePattern(PricingSubjects.getPriceList)
  getList(@Payload() req: GetPriceListRequest) {
    return this.prices.getList(req);
  }

  @MessagePattern(PricingSubjects.listPriceLists)
  listLists(@Payload() req: ListPriceListsRequest) {
    return this.prices.listLists(req);
  }

  @MessagePattern(PricingSubjects.createPrice)
  create(@Payload() req: CreatePriceRequest) {
    return this.prices.createPrice(req);
  }

  @MessagePattern(PricingSubjects.updatePrice)
  update(@Payload() req: UpdatePriceRequest) {
    return this.prices.updatePrice(req);
  }

  @MessagePattern(PricingSubjects.deletePrice)
  delete(@Payload() req: DeletePriceRequest) {
    return this.prices.deletePrice(req);
  }

  @MessagePattern(PricingSubjects.getPrice)
  get(@Payload() req: GetPriceRequest) {
    return this.prices.getPrice(req);
  }

  @MessagePattern(PricingSubjects.listPrices)
  list(@Payload() req: ListPricesRequest) {
    return this.prices.listPrices(req);
  }

  @MessagePattern(PricingSubjects.upsertPrices)
  upsert(@Payload() req: UpsertPricesRequest) {
    return this.prices.upsertPrices(req);
  }

  @MessagePattern(PricingSubjects.resolvePrices)
  resolve(@Payload() req: ResolvePricesRequest) {
    return this.prices.resolve(req);
  }
}

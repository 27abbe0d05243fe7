import { MessagePattern, Payload } from '@nestjs/microservices';
import { AdjustStockRequest, BulkSetStockRequest, InventorySubjects, ListMovementsRequest, ReceiveStockRequest, SetStockRequest, TransferStockRequest } from '@omnibus/contracts';
import { NatsHandlers } from '@omnibus/service-kit';
import { StockService } from './stock.service';

/** NATS handlers only: the kit validates payloads against the contract classes. */
@NatsHandlers()
export class StockController {
  constructor(private readonly stock: StockService) {}

  @MessagePattern(InventorySubjects.setStock)
  set(@Payload() req: SetStockRequest) {
    return this.stock.set(req);
  }

  @MessagePattern(InventorySubjects.adjustStock)
  adjust(@Payload() req: AdjustStockRequest) {
    return this.stock.adjust(req);
  }

  @MessagePattern(InventorySubjects.transferStock)
  transfer(@Payload() req: TransferStockRequest) {
    return this.stock.transfer(req);
  }

  @MessagePattern(InventorySubjects.receiveStock)
  receive(@Payload() req: ReceiveStockRequest) {
    return this.stock.receive(req);
  }

  @MessagePattern(InventorySubjects.bulkSetStock)
  bulkSet(@Payload() req: BulkSetStockRequest) {
    return this.stock.bulkSet(req);
  }

  @MessagePattern(InventorySubjects.listMovements)
  listMovements(@Payload() req: ListMovementsRequest) {
    return this.stock.listMovements(req);
  }
}

/** Requests the inventory answers (queue group `inventory`). */
export const InventorySubjects = {
  createLocation: 'inventory.location.create',
  updateLocation: 'inventory.location.update',
  getLocation: 'inventory.location.get',
  listLocations: 'inventory.location.list',
  setStock: 'inventory.stock.set',
  adjustStock: 'inventory.stock.adjust',
  transferStock: 'inventory.stock.transfer',
  /** Goods coming in (a customer return), several SKUs at one location, once per key. */
  receiveStock: 'inventory.stock.receive',
  bulkSetStock: 'inventory.stock.bulk-set',
  listMovements: 'inventory.movement.list',
  getAvailability: 'inventory.availability.get',
  batchAvailability: 'inventory.availability.batch',
  pickupAvailability: 'inventory.availability.pickup',
  reserveStock: 'inventory.stock.reserve',
  commitReservation: 'inventory.reservation.commit',
  releaseReservation: 'inventory.reservation.release',
  getReservation: 'inventory.reservation.get',
} as const;

/** Durable events the inventory publishes on its JetStream stream. */
export const InventoryEvents = {
  stockChanged: 'inventory.stock.changed',
  reservationCreated: 'inventory.reservation.created',
  reservationCommitted: 'inventory.reservation.committed',
  reservationReleased: 'inventory.reservation.released',
  reservationExpired: 'inventory.reservation.expired',
  locationCreated: 'inventory.location.created',
  locationUpdated: 'inventory.location.updated',
} as const;

export const INVENTORY_STREAM = 'INVENTORY_EVENTS';

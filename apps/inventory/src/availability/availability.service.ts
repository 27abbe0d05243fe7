import { Injectable } from '@nestjs/common';
import {
  BatchAvailabilityReply,
  BatchAvailabilityRequest,
  FieldProblem,
  GeoPoint,
  GetAvailabilityRequest,
  PickupAvailabilityReply,
  PickupAvailabilityRequest,
  PickupLocation,
  SkuAvailability,
} from '@omnibus/contracts';
import { RpcError } from '@omnibus/service-kit';
import { LocationsRepository } from '../locations/locations.repository';
import { SkusRepository } from '../skus/skus.repository';
import { LevelAtLocation, StockRepository } from '../stock/stock.repository';
import { haversineKm, isOpenAt } from './geo';

const DEFAULT_RADIUS_KM = 25;
const DEFAULT_PICKUP_LIMIT = 20;

/** Availability of one SKU from its levels at the locations that supply the channel. */
export function skuAvailability(sku: string, channel: string | undefined, levels: LevelAtLocation[]): SkuAvailability {
  const mine = levels.filter((l) => l.sku === sku);
  return {
    sku,
    channel: channel ?? null,
    available: mine.reduce((sum, l) => sum + l.available, 0),
    locations: mine.map((l) => ({
      locationId: l.locationId,
      code: l.code,
      name: l.name,
      kind: l.kind,
      ships: l.ships,
      pickup: l.pickup,
      available: l.available,
      onHand: l.onHand,
      reserved: l.reserved,
    })),
  };
}

/** What each channel can sell now: totals per SKU, per location, and click & collect. */
@Injectable()
export class AvailabilityService {
  constructor(
    private readonly stock: StockRepository,
    private readonly skus: SkusRepository,
    private readonly locations: LocationsRepository,
  ) {}

  async get(req: GetAvailabilityRequest): Promise<SkuAvailability> {
    const db = this.stock.db;
    const [known, levels] = await Promise.all([this.skus.statesOf(db, [req.sku]), this.stock.levelsAtLocations(db, [req.sku], req.channel)]);
    if (!known.has(req.sku)) throw new RpcError('NOT_FOUND', `SKU ${req.sku} is not known: the catalog has no such SKU (or its event has not arrived yet)`);
    return skuAvailability(req.sku, req.channel, levels);
  }

  async batch(req: BatchAvailabilityRequest): Promise<BatchAvailabilityReply> {
    const levels = await this.stock.levelsAtLocations(this.stock.db, req.skus, req.channel);
    return { items: req.skus.map((sku) => skuAvailability(sku, req.channel, levels)) };
  }

  async pickup(req: PickupAvailabilityRequest): Promise<PickupAvailabilityReply> {
    const db = this.stock.db;
    const centre = await this.centreOf(req);
    const radiusKm = req.radiusKm ?? DEFAULT_RADIUS_KM;
    const levels = await this.stock.levelsAtLocations(db, req.lines.map((l) => l.sku), req.channel, { pickupOnly: true });
    const byLocation = new Map<string, Map<string, number>>();
    for (const l of levels) byLocation.set(l.locationId, (byLocation.get(l.locationId) ?? new Map()).set(l.sku, l.available));
    const servingAll = [...byLocation].filter(([, available]) => req.lines.every((line) => (available.get(line.sku) ?? 0) >= line.quantity)).map(([id]) => id);
    const rows = await this.locations.findByIds(db, servingAll);
    const now = new Date();
    const found: PickupLocation[] = rows
      .map((row) => ({ row, distanceKm: haversineKm(centre, { latitude: row.latitude, longitude: row.longitude }) }))
      .filter((c) => c.distanceKm <= radiusKm)
      .sort((a, b) => a.distanceKm - b.distanceKm || (a.row.code < b.row.code ? -1 : 1))
      .slice(0, req.limit ?? DEFAULT_PICKUP_LIMIT)
      .map(({ row, distanceKm }) => ({
        locationId: row.id,
        code: row.code,
        name: row.name,
        kind: row.kind,
        address: row.address,
        geo: { latitude: row.latitude, longitude: row.longitude },
        timezone: row.timezone,
        openingHours: row.openingHours,
        openNow: isOpenAt(row.openingHours, row.timezone, now),
        distanceKm: Math.round(distanceKm * 1000) / 1000,
        lines: req.lines.map((line) => ({ sku: line.sku, quantity: line.quantity, available: byLocation.get(row.id)?.get(line.sku) ?? 0 })),
      }));
    return { centre, radiusKm, channel: req.channel ?? null, locations: found };
  }

  /** The search centre: the given location's position, or the given coordinates. */
  private async centreOf(req: PickupAvailabilityRequest): Promise<GeoPoint> {
    const problems: FieldProblem[] = [];
    const hasLat = req.latitude !== undefined;
    const hasLon = req.longitude !== undefined;
    if (req.locationId && (hasLat || hasLon)) problems.push({ field: 'locationId', problem: 'give either locationId or latitude and longitude, not both' });
    else if (!req.locationId && !hasLat && !hasLon) problems.push({ field: 'locationId', problem: 'give locationId or latitude and longitude' });
    else if (hasLat !== hasLon) problems.push({ field: hasLat ? 'longitude' : 'latitude', problem: `is required with ${hasLat ? 'latitude' : 'longitude'}` });
    if (!problems.length && req.locationId) {
      const location = await this.locations.findById(this.stock.db, req.locationId);
      if (location) return { latitude: location.latitude, longitude: location.longitude };
      problems.push({ field: 'locationId', problem: `"${req.locationId}" is not a known location` });
    }
    if (problems.length || req.latitude === undefined || req.longitude === undefined) throw new RpcError('VALIDATION', problems.map((p) => `${p.field}: ${p.problem}`).join('; '), problems);
    return { latitude: req.latitude, longitude: req.longitude };
  }
}

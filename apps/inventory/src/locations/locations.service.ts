import { Injectable } from '@nestjs/common';
import {
  CreateLocationRequest,
  GetLocationRequest,
  InventoryEvents,
  ListLocationsRequest,
  Location,
  LocationChangedEventData,
  LocationPage,
  UpdateLocationRequest,
  newId,
} from '@omnibus/contracts';
import { Outbox, RpcError, Transaction } from '@omnibus/service-kit';
import { LocationRow } from './locations.schema';
import { LocationsRepository, toLocation } from './locations.repository';

export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, prefix: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!new RegExp(`^${prefix}_[0-9a-z]{22}$`).test(id)) throw new RpcError('VALIDATION', 'cursor is not a cursor this API returned', [{ field: 'cursor', problem: 'is not a cursor this API returned' }]);
  return id;
}

/** Warehouses and stores: where stock is, what each ships or hands out, which channels it supplies. */
@Injectable()
export class LocationsService {
  constructor(
    private readonly repository: LocationsRepository,
    private readonly outbox: Outbox,
  ) {}

  async create(req: CreateLocationRequest): Promise<Location> {
    const now = new Date();
    const row: LocationRow = {
      id: newId('loc'),
      code: req.code,
      name: req.name,
      kind: req.kind,
      address: { ...req.address },
      latitude: req.geo.latitude,
      longitude: req.geo.longitude,
      timezone: req.timezone ?? 'UTC',
      openingHours: (req.openingHours ?? []).map((p) => ({ day: p.day, opens: p.opens, closes: p.closes })),
      ships: req.ships ?? req.kind === 'warehouse',
      pickup: req.pickup ?? false,
      channels: req.channels ?? [],
      priority: req.priority ?? 100,
      active: req.active ?? true,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    return this.transaction(req.code, async (tx) => {
      await this.repository.insert(tx, row);
      const location = toLocation(row);
      await this.outbox.add<LocationChangedEventData>(tx, InventoryEvents.locationCreated, { location });
      return location;
    });
  }

  async update(req: UpdateLocationRequest): Promise<Location> {
    const { changes } = req;
    return this.transaction(undefined, async (tx) => {
      const set: Partial<LocationRow> = {};
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.address !== undefined) set.address = { ...changes.address };
      if (changes.geo !== undefined) {
        set.latitude = changes.geo.latitude;
        set.longitude = changes.geo.longitude;
      }
      if (changes.timezone !== undefined) set.timezone = changes.timezone;
      if (changes.openingHours !== undefined) set.openingHours = changes.openingHours.map((p) => ({ day: p.day, opens: p.opens, closes: p.closes }));
      if (changes.ships !== undefined) set.ships = changes.ships;
      if (changes.pickup !== undefined) set.pickup = changes.pickup;
      if (changes.channels !== undefined) set.channels = changes.channels;
      if (changes.priority !== undefined) set.priority = changes.priority;
      if (changes.active !== undefined) set.active = changes.active;
      const row = await this.repository.update(tx, req.id, req.expectedVersion, set);
      if (!row) {
        const current = await this.repository.findById(tx, req.id);
        if (!current) throw new RpcError('NOT_FOUND', `location ${req.id} does not exist`);
        throw new RpcError('VERSION_CONFLICT', `location ${req.id} is at version ${current.version}, not ${req.expectedVersion}: read it again and retry`, [
          { field: 'version', problem: `is ${req.expectedVersion} but the location is at version ${current.version}` },
        ]);
      }
      const location = toLocation(row);
      await this.outbox.add<LocationChangedEventData>(tx, InventoryEvents.locationUpdated, { location });
      return location;
    });
  }

  async get(req: GetLocationRequest): Promise<Location> {
    const row = await this.repository.findById(this.repository.db, req.id);
    if (!row) throw new RpcError('NOT_FOUND', `location ${req.id} does not exist`);
    return toLocation(row);
  }

  async list(req: ListLocationsRequest): Promise<LocationPage> {
    const limit = req.limit ?? 100;
    const rows = await this.repository.list(this.repository.db, {
      channel: req.channel,
      kind: req.kind,
      // A channel sees only the locations that supply it now.
      activeOnly: req.channel !== undefined,
      afterId: req.cursor ? decodeCursor(req.cursor, 'loc') : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit).map(toLocation);
    return { items: page, nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null };
  }

  private async transaction<T>(code: string | undefined, work: (tx: Transaction) => Promise<T>): Promise<T> {
    try {
      const result = await this.repository.db.transaction(work);
      this.outbox.committed();
      return result;
    } catch (err) {
      const cause = (err as { cause?: { code?: string } })?.cause ?? (err as { code?: string });
      if (cause?.code === '23505') throw new RpcError('CONFLICT', `location code "${code}" is already used`, [{ field: 'code', problem: 'is already used by another location' }]);
      throw err;
    }
  }
}

import { Injectable } from '@nestjs/common';
import { Channel, ChannelChangedEventData, ChannelChanges, ChannelList, ChannelRef, ChannelsEvents, CreateChannelRequest, UpdateChannelRequest } from '@omnibus/contracts';
import { Outbox, RpcError, Transaction } from '@omnibus/service-kit';
import { RebuildWorker } from '../views/rebuild.worker';
import { canonicalJson } from '../views/view';
import { ChannelRow } from './channels.schema';
import { ChannelsRepository } from './channels.repository';

export function toChannel(row: ChannelRow): Channel {
  return {
    code: row.code,
    name: row.name,
    kind: row.kind,
    assortment: row.assortment,
    priceScope: row.priceScope ?? null,
    stockScope: row.stockScope,
    locales: row.locales,
    snapshot: { status: row.snapshotStatus, reason: row.snapshotReason },
    version: row.version,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

/** True when a change touches what the channel's view is computed from. */
export function changesRules(current: ChannelRow, changes: ChannelChanges): boolean {
  const differs = (a: unknown, b: unknown) => b !== undefined && canonicalJson(a) !== canonicalJson(b);
  return differs(current.assortment, changes.assortment) || differs(current.priceScope, changes.priceScope) || differs(current.stockScope, changes.stockScope) || differs(current.locales, changes.locales);
}

/** Channels and their rules; a new channel or new rules start a (re)build of its view. */
@Injectable()
export class ChannelsService {
  constructor(
    private readonly repository: ChannelsRepository,
    private readonly outbox: Outbox,
    private readonly rebuild: RebuildWorker,
  ) {}

  async create(req: CreateChannelRequest): Promise<Channel> {
    const now = new Date();
    const row: ChannelRow = {
      code: req.code,
      name: req.name,
      kind: req.kind,
      assortment: { ...(req.assortment ?? {}) },
      priceScope: req.priceScope ? { ...req.priceScope } : null,
      stockScope: { ...(req.stockScope ?? {}) },
      locales: req.locales,
      version: 1,
      lastSeq: 0,
      lastEntryAt: null,
      readSeq: null,
      readAt: null,
      snapshotStatus: 'building',
      snapshotReason: 'created',
      createdAt: now,
      updatedAt: now,
    };
    const channel = await this.transaction(req.code, async (tx) => {
      await this.repository.insert(tx, row);
      // The snapshot: every product the service holds, computed for the new channel in the background.
      await this.repository.requestRebuild(tx, [row.code], 'created');
      const created = toChannel(row);
      await this.outbox.add<ChannelChangedEventData>(tx, ChannelsEvents.channelCreated, { channel: created });
      return created;
    });
    this.rebuild.wake();
    return channel;
  }

  async update(req: UpdateChannelRequest): Promise<Channel> {
    const current = await this.repository.get(this.repository.db, req.code);
    if (!current) throw new RpcError('NOT_FOUND', `channel ${req.code} does not exist`);
    const { changes } = req;
    const rebuild = changesRules(current, changes);
    const channel = await this.transaction(req.code, async (tx) => {
      // The rebuild job is locked before the channel row, the order rebuild batches take them in.
      if (rebuild) await this.repository.requestRebuild(tx, [req.code], 'rules-changed');
      const set: Partial<ChannelRow> = {};
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.kind !== undefined) set.kind = changes.kind;
      if (changes.assortment !== undefined) set.assortment = { ...changes.assortment };
      if (changes.priceScope !== undefined) set.priceScope = { ...changes.priceScope };
      if (changes.stockScope !== undefined) set.stockScope = { ...changes.stockScope };
      if (changes.locales !== undefined) set.locales = changes.locales;
      const row = await this.repository.updateIfVersion(tx, req.code, req.expectedVersion, set);
      if (!row) {
        const now = await this.repository.get(tx, req.code);
        if (!now) throw new RpcError('NOT_FOUND', `channel ${req.code} does not exist`);
        throw new RpcError('VERSION_CONFLICT', `channel ${req.code} is at version ${now.version}, not ${req.expectedVersion}: read it again and retry`, [
          { field: 'version', problem: `is ${req.expectedVersion} but the channel is at version ${now.version}` },
        ]);
      }
      const updated = toChannel(row);
      await this.outbox.add<ChannelChangedEventData>(tx, ChannelsEvents.channelUpdated, { channel: updated });
      return updated;
    });
    if (rebuild) this.rebuild.wake();
    return channel;
  }

  async get(req: ChannelRef): Promise<Channel> {
    const row = await this.repository.get(this.repository.db, req.code);
    if (!row) throw new RpcError('NOT_FOUND', `channel ${req.code} does not exist`);
    return toChannel(row);
  }

  async list(): Promise<ChannelList> {
    return { items: (await this.repository.list(this.repository.db)).map(toChannel) };
  }

  /** Recomputes every product of the channel from the service's copies: repairs a view that drifted. */
  async resync(req: ChannelRef): Promise<Channel> {
    const channel = await this.transaction(req.code, async (tx) => {
      if (!(await this.repository.get(tx, req.code))) throw new RpcError('NOT_FOUND', `channel ${req.code} does not exist`);
      await this.repository.requestRebuild(tx, [req.code], 'resync');
      return toChannel((await this.repository.get(tx, req.code))!);
    });
    this.rebuild.wake();
    return channel;
  }

  /** Runs `work` in a transaction, maps a taken code to CONFLICT, and wakes the outbox relay after commit. */
  private async transaction<T>(code: string, work: (tx: Transaction) => Promise<T>): Promise<T> {
    try {
      const result = await this.repository.db.transaction(work);
      this.outbox.committed();
      return result;
    } catch (err) {
      if (err instanceof RpcError) throw err;
      const cause = (err as { cause?: { code?: string } })?.cause ?? (err as { code?: string });
      if (cause?.code === '23505') throw new RpcError('CONFLICT', `channel code "${code}" is already used`, [{ field: 'code', problem: 'is already used by another channel' }]);
      throw err;
    }
  }
}

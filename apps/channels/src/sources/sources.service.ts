import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import {
  EventEnvelope,
  InventoryEvents,
  LocationChangedEventData,
  PriceChangedEventData,
  PriceListChangedEventData,
  PricingEvents,
  Product,
  ProductChangedEventData,
  StockChangedEventData,
} from '@omnibus/contracts';
import { AfterCommit, LOGGER, Transaction } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { ChannelsRepository } from '../channels/channels.repository';
import { FeedNotifier } from '../feed/feed-notifier';
import { LocationCopy, supplyingLocations } from '../views/view';
import { AppendedFeed, ViewsService } from '../views/views.service';
import { RebuildWorker } from '../views/rebuild.worker';
import { SourceName, SourcesRepository } from './sources.repository';

/** The identity of a price within pricing (its scope), as one key. */
export function priceScopeKey(scope: PriceChangedEventData['scope']): string {
  return JSON.stringify([scope.priceListId, scope.currency, scope.channel, scope.customerGroup, scope.country, scope.minQuantity]);
}

/**
 * Applies the sources' events to the service's copies and the channel views, in the consumer's
 * transaction. Each returns the work to do after commit (telling live readers), when any.
 */
@Injectable()
export class SourcesService implements OnModuleInit, OnModuleDestroy {
  private readonly counts = new Map<SourceName, { events: number; lastEventAt: Date }>();
  private flushTimer?: NodeJS.Timeout;

  constructor(
    private readonly sources: SourcesRepository,
    private readonly channels: ChannelsRepository,
    private readonly views: ViewsService,
    private readonly notifier: FeedNotifier,
    private readonly rebuild: RebuildWorker,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit() {
    // Event counts for the sync state: kept in memory and written once a second, off the events' hot path.
    this.flushTimer = setInterval(() => void this.flushCounts(), 1000);
  }

  async onModuleDestroy() {
    clearInterval(this.flushTimer);
    await this.flushCounts();
  }

  private counted(source: SourceName): void {
    const count = this.counts.get(source) ?? { events: 0, lastEventAt: new Date() };
    count.events++;
    count.lastEventAt = new Date();
    this.counts.set(source, count);
  }

  private async flushCounts(): Promise<void> {
    for (const [source, count] of [...this.counts]) {
      this.counts.delete(source);
      await this.sources.countEvents(source, count.events, count.lastEventAt).catch((err: Error) => {
        this.logger.debug({ err: err.message }, 'source event counts not written');
      });
    }
  }

  async applyCatalog(event: EventEnvelope, tx: Transaction): Promise<AfterCommit | void> {
    const product = (event.data as ProductChangedEventData | undefined)?.product;
    if (!product?.id || !Number.isInteger(product.version) || !Array.isArray(product.variants)) throw new Error(`${event.type} ${event.id} carries no product with a version`);
    this.counted('catalog');
    // An older copy arriving late (a redelivery) changes nothing.
    if (!(await this.sources.upsertProduct(tx, product as Product))) return;
    await this.sources.replaceSkus(tx, product.id, product.variants.map((v) => v.sku));
    return this.told(await this.views.refresh(tx, [product.id]));
  }

  async applyPricing(event: EventEnvelope, tx: Transaction): Promise<AfterCommit | void> {
    this.counted('pricing');
    if (event.type === PricingEvents.priceChanged) {
      const data = event.data as PriceChangedEventData;
      if (!data?.sku || !data.scope) throw new Error(`${event.type} ${event.id} carries no SKU and scope`);
      const scopeKey = priceScopeKey(data.scope);
      if (data.price) {
        const p = data.price;
        const stored = await this.sources.upsertPrice(tx, {
          sku: data.sku,
          scopeKey,
          priceId: p.id,
          priceListId: data.scope.priceListId,
          currency: data.scope.currency,
          channel: data.scope.channel,
          customerGroup: data.scope.customerGroup,
          country: data.scope.country,
          minQuantity: data.scope.minQuantity,
          amount: p.amount,
          validFrom: p.validFrom ? new Date(p.validFrom) : null,
          validUntil: p.validUntil ? new Date(p.validUntil) : null,
          version: p.version,
        });
        if (!stored) return;
      } else {
        await this.sources.deletePrice(tx, data.sku, scopeKey);
      }
      return this.told(await this.views.refresh(tx, await this.sources.productIdsOfSkus(tx, [data.sku])));
    }
    if (event.type === PricingEvents.priceListChanged) {
      const { change, priceList } = event.data as PriceListChangedEventData;
      if (!priceList?.id) throw new Error(`${event.type} ${event.id} carries no price list`);
      let changed: boolean;
      if (change === 'deleted') {
        await this.sources.deletePriceList(tx, priceList.id);
        changed = true;
      } else {
        changed = await this.sources.upsertPriceList(tx, { id: priceList.id, priority: priceList.priority, status: priceList.status, version: priceList.version });
      }
      // Every SKU of the list may resolve differently now: rebuild the views of channels that show prices.
      if (changed) return this.rebuildLater(tx, (await this.channels.rules(tx)).filter((c) => c.priceScope).map((c) => c.code), 'price-lists-changed');
    }
  }

  async applyStock(event: EventEnvelope, tx: Transaction): Promise<AfterCommit | void> {
    return this.applyStockBatch([event], tx);
  }

  /** Stock changes in stream order: each level stored, then the views of their products refreshed once. */
  async applyStockBatch(events: EventEnvelope[], tx: Transaction): Promise<AfterCommit | void> {
    const productIds = new Set<string>();
    for (const event of events) {
      const data = event.data as StockChangedEventData;
      if (!data?.sku || !data.locationId || !Number.isInteger(data.version)) throw new Error(`${event.type} ${event.id} carries no SKU, location and version`);
      this.counted('inventory');
      const changed = await this.sources.upsertStock(tx, {
        sku: data.sku,
        locationId: data.locationId,
        onHand: data.onHand,
        reserved: data.reserved,
        available: data.available,
        version: data.version,
      });
      for (const id of changed) productIds.add(id);
    }
    return this.told(await this.views.refresh(tx, [...productIds]));
  }

  async applyLocation(event: EventEnvelope, tx: Transaction): Promise<AfterCommit | void> {
    if (event.type !== InventoryEvents.locationCreated && event.type !== InventoryEvents.locationUpdated) return;
    const location = (event.data as LocationChangedEventData)?.location;
    if (!location?.id) throw new Error(`${event.type} ${event.id} carries no location`);
    this.counted('inventory');
    const next: LocationCopy = { id: location.id, code: location.code, channels: location.channels ?? [], active: location.active };
    const before = await this.sources.upsertLocation(tx, { ...next, version: location.version });
    if (before === undefined) return;
    // Channels whose supplying locations differ now: their stock figures must be recomputed.
    const affected = (await this.channels.rules(tx)).filter((c) => {
      const had = before ? supplyingLocations(c, [before]).size > 0 : false;
      const has = supplyingLocations(c, [next]).size > 0;
      return had !== has;
    });
    if (affected.length) return this.rebuildLater(tx, affected.map((c) => c.code), 'locations-changed');
  }

  private async rebuildLater(tx: Transaction, codes: string[], reason: string): Promise<AfterCommit | void> {
    if (codes.length === 0) return;
    await this.channels.requestRebuild(tx, codes, reason);
    return () => this.rebuild.wake();
  }

  private told(appended: AppendedFeed[]): AfterCommit | void {
    if (appended.length) return () => this.notifier.notify(appended);
  }
}

import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CATALOG_STREAM, INVENTORY_STREAM, InventoryEvents, PRICING_STREAM } from '@omnibus/contracts';
import { EventConsumers, EventHandlerSpec, LOGGER } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { SourceName } from './sources.repository';
import { SourcesService } from './sources.service';

interface Follow {
  source: SourceName;
  spec: Omit<EventHandlerSpec, 'handle' | 'handleBatch'>;
  handle: EventHandlerSpec['handle'];
  handleBatch?: EventHandlerSpec['handleBatch'];
}

/**
 * Follows catalog, pricing and inventory events with durable consumers (inbox-deduplicated, applied
 * in one transaction each; stock changes that wait, in one transaction per batch). A source that starts after us has no stream yet: we try again every few
 * seconds, and lose nothing meanwhile (the consumers read the streams from their start).
 */
@Injectable()
export class SourcesConsumers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly following = new Set<string>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly consumers: EventConsumers,
    private readonly sources: SourcesService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  private follows(): Follow[] {
    return [
      { source: 'catalog', spec: { stream: CATALOG_STREAM, durable: 'channels-catalog', filterSubject: 'catalog.product.*' }, handle: (e, tx) => this.sources.applyCatalog(e, tx) },
      // One consumer for prices and price lists, so a list's change is applied in order with its prices.
      { source: 'pricing', spec: { stream: PRICING_STREAM, durable: 'channels-pricing', filterSubject: 'pricing.>' }, handle: (e, tx) => this.sources.applyPricing(e, tx) },
      // Stock moves with every order (a checkout changes a level per line): the changes that wait are applied together.
      {
        source: 'inventory',
        spec: { stream: INVENTORY_STREAM, durable: 'channels-inventory-stock', filterSubject: InventoryEvents.stockChanged },
        handle: (e, tx) => this.sources.applyStock(e, tx),
        handleBatch: (events, tx) => this.sources.applyStockBatch(events, tx),
      },
      { source: 'inventory', spec: { stream: INVENTORY_STREAM, durable: 'channels-inventory-locations', filterSubject: 'inventory.location.*' }, handle: (e, tx) => this.sources.applyLocation(e, tx) },
    ];
  }

  onApplicationBootstrap() {
    for (const follow of this.follows()) void this.start(follow, 1);
  }

  onApplicationShutdown() {
    this.stopped = true;
    for (const timer of this.retries) clearTimeout(timer);
  }

  /** True when every consumer of the source runs. */
  isFollowing(source: SourceName): boolean {
    const durables = this.follows().filter((f) => f.source === source).map((f) => f.spec.durable);
    return durables.every((d) => this.following.has(d));
  }

  private async start(follow: Follow, attempt: number): Promise<void> {
    if (this.stopped) return;
    try {
      const { handleBatch } = follow;
      await this.consumers.start({
        ...follow.spec,
        handle: async (event, tx) => {
          const started = performance.now();
          const after = await follow.handle(event, tx);
          this.logger.debug({ consumer: follow.spec.durable, type: event.type, eventId: event.id, ms: Math.round((performance.now() - started) * 10) / 10 }, 'event applied');
          return after;
        },
        ...(handleBatch
          ? {
              handleBatch: async (events, tx) => {
                const started = performance.now();
                const after = await handleBatch(events, tx);
                this.logger.debug({ consumer: follow.spec.durable, events: events.length, ms: Math.round((performance.now() - started) * 10) / 10 }, 'events applied');
                return after;
              },
            }
          : {}),
      });
      this.following.add(follow.spec.durable);
      this.logger.info({ consumer: follow.spec.durable }, `following ${follow.source} events`);
    } catch (err) {
      const level = attempt === 1 || attempt % 20 === 0 ? 'warn' : 'debug';
      this.logger[level]({ err: (err as Error).message, attempt, consumer: follow.spec.durable }, `cannot follow ${follow.source} events yet, retrying`);
      const timer = setTimeout(() => {
        this.retries.delete(timer);
        void this.start(follow, attempt + 1);
      }, Math.min(5000, 250 * attempt));
      this.retries.add(timer);
    }
  }
}

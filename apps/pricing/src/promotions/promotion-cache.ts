import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PricingEvents } from '@omnibus/contracts';
import { LOGGER, NATS_CONNECTION, SERVICE_CONFIG } from '@omnibus/service-kit';
import { NatsConnection, Subscription } from 'nats';
import type { Logger } from 'pino';
import { PricingConfig } from '../config';
import { PromotionRule } from './promotion-engine';
import { PromotionWithCoupon, PromotionsRepository } from './promotions.repository';

export function toRule({ promotion: p, coupon }: PromotionWithCoupon): PromotionRule {
  return {
    id: p.id,
    name: p.name,
    priority: p.priority,
    stacking: p.stacking,
    validFrom: p.validFrom ? new Date(p.validFrom) : null,
    validUntil: p.validUntil ? new Date(p.validUntil) : null,
    channels: p.channels,
    customerGroups: p.customerGroups,
    minCartValue: p.minCartValue ?? null,
    couponCode: coupon?.code ?? null,
    discount: p.discount,
    products: p.products ?? null,
  };
}

/**
 * The active promotions, in memory, so a quote costs no promotion query. Every replica reloads on
 * `pricing.promotion.changed` (a core NATS subscription: each replica gets every event), after its own
 * writes, when its NATS connection comes back, and every PROMOTION_RELOAD_MS as a safety net.
 */
@Injectable()
export class PromotionCache implements OnModuleInit, OnModuleDestroy {
  private rules: PromotionRule[] = [];
  private byCoupon = new Map<string, PromotionRule>();
  private subscription?: Subscription;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private queued?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly repository: PromotionsRepository,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: PricingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit() {
    this.subscription = this.nats.subscribe(PricingEvents.promotionChanged, { callback: () => void this.reload().catch(() => undefined) });
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch(() => undefined), this.config.PROMOTION_RELOAD_MS);
    this.timer.unref();
    void this.watchConnection();
  }

  onModuleDestroy() {
    this.stopped = true;
    this.subscription?.unsubscribe();
    clearInterval(this.timer);
  }

  /** Active promotions (status active, not ended), highest priority first. */
  active(): PromotionRule[] {
    return this.rules;
  }

  /** The active promotion of a coupon code (upper-case). */
  forCoupon(code: string): PromotionRule | undefined {
    return this.byCoupon.get(code);
  }

  /** Reloads from the database; a call made while a load runs gets a load that starts after it. */
  reload(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.running) {
      this.running = this.load().finally(() => (this.running = undefined));
      return this.running;
    }
    this.queued = this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.reload();
      });
    return this.queued;
  }

  private async load(): Promise<void> {
    try {
      const rules = (await this.repository.loadActive(this.repository.db)).map(toRule);
      this.rules = rules;
      this.byCoupon = new Map(rules.filter((r) => r.couponCode).map((r) => [r.couponCode!, r]));
    } catch (err) {
      if (!this.stopped) this.logger.warn({ err: (err as Error).message }, 'reloading promotions failed; keeping the ones loaded');
      throw err;
    }
  }

  private async watchConnection() {
    for await (const status of this.nats.status()) {
      // Events may have been missed while disconnected.
      if (status.type === 'reconnect') void this.reload().catch(() => undefined);
    }
  }
}

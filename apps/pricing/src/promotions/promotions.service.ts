import { Injectable } from '@nestjs/common';
import {
  CreatePromotionRequest,
  DeletePromotionRequest,
  Discount,
  DiscountInput,
  FieldProblem,
  GetPromotionRequest,
  ListPromotionsRequest,
  ProductSelector,
  Promotion,
  PromotionChangedEventData,
  PromotionPage,
  PricingEvents,
  UpdatePromotionRequest,
  newId,
} from '@omnibus/contracts';
import { Outbox, RpcError, Transaction } from '@omnibus/service-kit';
import { CouponRow } from '../coupons/coupons.schema';
import { dateOrNull, decodeCursor, encodeCursor, validationError } from '../cursor';
import { staleVersion } from '../prices/prices.service';
import { PromotionCache } from './promotion-cache';
import { PromotionRow } from './promotions.schema';
import { PromotionWithCoupon, PromotionsRepository } from './promotions.repository';

const FIELDS_BY_TYPE: Record<Discount['type'], (keyof DiscountInput)[]> = {
  percentage: ['percent'],
  fixedAmount: ['amount'],
  buyXGetY: ['buyQuantity', 'getQuantity', 'percent'],
};

/** Rules class-validator cannot express: discount fields that do not belong to its type, an empty selector, an inverted window. */
export function promotionProblems(p: { discount: DiscountInput; products: ProductSelector | null; validFrom: Date | null; validUntil: Date | null }, prefix = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const allowed = FIELDS_BY_TYPE[p.discount.type];
  for (const field of ['percent', 'amount', 'buyQuantity', 'getQuantity'] as const) {
    if (p.discount[field] !== undefined && !allowed.includes(field)) problems.push({ field: `${prefix}discount.${field}`, problem: `is not used by a ${p.discount.type} discount: leave it out` });
  }
  if (p.products && !p.products.skus && !p.products.categories && !p.products.attributes) {
    problems.push({ field: `${prefix}products`, problem: 'must name skus, categories or attributes (leave it out to apply to the whole cart)' });
  }
  if (p.validFrom && p.validUntil && p.validUntil <= p.validFrom) problems.push({ field: `${prefix}validUntil`, problem: 'must be later than validFrom' });
  return problems;
}

/** Only the fields of the discount's type, so stored discounts are clean. */
function cleanDiscount(d: DiscountInput): Discount {
  const out: Discount = { type: d.type };
  if (d.percent !== undefined) out.percent = d.percent;
  if (d.amount !== undefined) out.amount = { amount: d.amount.amount, currency: d.amount.currency.toUpperCase() };
  if (d.buyQuantity !== undefined) out.buyQuantity = d.buyQuantity;
  if (d.getQuantity !== undefined) out.getQuantity = d.getQuantity;
  return out;
}

function cleanSelector(s: ProductSelector | null | undefined): ProductSelector | null {
  if (!s) return null;
  const out: ProductSelector = {};
  if (s.skus) out.skus = s.skus;
  if (s.categories) out.categories = s.categories;
  if (s.attributes) out.attributes = s.attributes;
  return out;
}

export function toPromotion({ promotion: p, coupon }: PromotionWithCoupon): Promotion {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    status: p.status,
    priority: p.priority,
    stacking: p.stacking,
    validFrom: p.validFrom ? new Date(p.validFrom).toISOString() : null,
    validUntil: p.validUntil ? new Date(p.validUntil).toISOString() : null,
    channels: p.channels,
    customerGroups: p.customerGroups,
    minCartValue: p.minCartValue ?? null,
    coupon: coupon ? { code: coupon.code, usageLimit: coupon.usageLimit, usageLimitPerCustomer: coupon.usageLimitPerCustomer } : null,
    discount: p.discount,
    products: p.products ?? null,
    version: p.version,
    createdAt: new Date(p.createdAt).toISOString(),
    updatedAt: new Date(p.updatedAt).toISOString(),
  };
}

function couponConflict(code: string, field: string): RpcError {
  return new RpcError('CONFLICT', `coupon code ${code} is already used by another promotion`, [{ field, problem: 'is already used by another promotion' }]);
}

/** Promotions: each change in one transaction with its event; this replica reloads its cache before answering. */
@Injectable()
export class PromotionsService {
  constructor(
    private readonly repository: PromotionsRepository,
    private readonly outbox: Outbox,
    private readonly cache: PromotionCache,
  ) {}

  async create(req: CreatePromotionRequest): Promise<Promotion> {
    const now = new Date();
    const row: PromotionRow = {
      id: newId('prm'),
      name: req.name,
      description: req.description ?? '',
      status: req.status ?? 'active',
      priority: req.priority ?? 0,
      stacking: req.stacking ?? 'combinable',
      validFrom: dateOrNull(req.validFrom),
      validUntil: dateOrNull(req.validUntil),
      channels: req.channels ?? [],
      customerGroups: req.customerGroups ?? [],
      minCartValue: req.minCartValue ? { amount: req.minCartValue.amount, currency: req.minCartValue.currency.toUpperCase() } : null,
      discount: cleanDiscount(req.discount),
      products: cleanSelector(req.products),
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    const problems = promotionProblems({ discount: req.discount, products: req.products ?? null, validFrom: row.validFrom, validUntil: row.validUntil });
    if (problems.length) throw validationError(problems);
    const coupon: CouponRow | null = req.coupon
      ? { code: req.coupon.code.toUpperCase(), promotionId: row.id, usageLimit: req.coupon.usageLimit ?? null, usageLimitPerCustomer: req.coupon.usageLimitPerCustomer ?? null, used: 0 }
      : null;
    return this.transaction(coupon?.code, 'coupon.code', async (tx) => {
      if (coupon && (await this.repository.couponByCode(tx, coupon.code))) throw couponConflict(coupon.code, 'coupon.code');
      await this.repository.insert(tx, row, coupon);
      const promotion = toPromotion({ promotion: row, coupon });
      await this.outbox.add<PromotionChangedEventData>(tx, PricingEvents.promotionChanged, { change: 'created', promotion });
      return promotion;
    });
  }

  async update(req: UpdatePromotionRequest): Promise<Promotion> {
    const { changes } = req;
    return this.transaction(changes.coupon?.code?.toUpperCase(), 'changes.coupon.code', async (tx) => {
      const current = await this.repository.findOne(tx, req.id, true);
      if (!current) throw new RpcError('NOT_FOUND', `promotion ${req.id} does not exist`);
      if (current.promotion.version !== req.expectedVersion) throw staleVersion('promotion', req.id, req.expectedVersion, current.promotion.version);
      const set: Partial<PromotionRow> = {};
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.description !== undefined) set.description = changes.description;
      if (changes.status !== undefined) set.status = changes.status;
      if (changes.priority !== undefined) set.priority = changes.priority;
      if (changes.stacking !== undefined) set.stacking = changes.stacking;
      if (changes.validFrom !== undefined) set.validFrom = dateOrNull(changes.validFrom);
      if (changes.validUntil !== undefined) set.validUntil = dateOrNull(changes.validUntil);
      if (changes.channels !== undefined) set.channels = changes.channels;
      if (changes.customerGroups !== undefined) set.customerGroups = changes.customerGroups;
      if (changes.minCartValue !== undefined) set.minCartValue = changes.minCartValue ? { amount: changes.minCartValue.amount, currency: changes.minCartValue.currency.toUpperCase() } : null;
      if (changes.discount !== undefined) set.discount = cleanDiscount(changes.discount);
      if (changes.products !== undefined) set.products = cleanSelector(changes.products);
      const merged = { ...current.promotion, ...set };
      const problems = promotionProblems({ discount: merged.discount, products: merged.products ?? null, validFrom: merged.validFrom, validUntil: merged.validUntil }, 'changes.');
      let coupon = current.coupon;
      if (changes.coupon === null) problems.push({ field: 'changes.coupon', problem: 'cannot be removed (its uses are counted): set the promotion inactive, or delete it' });
      else if (changes.coupon) {
        const code = changes.coupon.code.toUpperCase();
        const limits = { usageLimit: changes.coupon.usageLimit ?? null, usageLimitPerCustomer: changes.coupon.usageLimitPerCustomer ?? null };
        if (coupon && coupon.code !== code) problems.push({ field: 'changes.coupon.code', problem: `cannot change (it is ${coupon.code}): create a new promotion for a new code` });
        else if (!problems.length) {
          if (coupon) coupon = await this.repository.updateCouponLimits(tx, code, limits);
          else {
            if (await this.repository.couponByCode(tx, code)) throw couponConflict(code, 'changes.coupon.code');
            coupon = { code, promotionId: current.promotion.id, ...limits, used: 0 };
            await this.repository.insertCoupon(tx, coupon);
          }
        }
      }
      if (problems.length) throw validationError(problems);
      const row = await this.repository.update(tx, req.id, set);
      const promotion = toPromotion({ promotion: row, coupon });
      await this.outbox.add<PromotionChangedEventData>(tx, PricingEvents.promotionChanged, { change: 'updated', promotion });
      return promotion;
    });
  }

  /** Deletes the promotion, its coupon and the coupon's redemptions. */
  async delete(req: DeletePromotionRequest): Promise<Promotion> {
    return this.transaction(undefined, '', async (tx) => {
      const current = await this.repository.findOne(tx, req.id, true);
      if (!current) throw new RpcError('NOT_FOUND', `promotion ${req.id} does not exist`);
      if (req.expectedVersion !== undefined && current.promotion.version !== req.expectedVersion) throw staleVersion('promotion', req.id, req.expectedVersion, current.promotion.version);
      await this.repository.delete(tx, req.id, current.coupon?.code ?? null);
      const promotion = toPromotion(current);
      await this.outbox.add<PromotionChangedEventData>(tx, PricingEvents.promotionChanged, { change: 'deleted', promotion });
      return promotion;
    });
  }

  async get(req: GetPromotionRequest): Promise<Promotion> {
    const found = await this.repository.findOne(this.repository.db, req.id);
    if (!found) throw new RpcError('NOT_FOUND', `promotion ${req.id.slice(0, 64)} does not exist`);
    return toPromotion(found);
  }

  async list(req: ListPromotionsRequest): Promise<PromotionPage> {
    const limit = req.limit ?? 20;
    const rows = await this.repository.list(this.repository.db, { status: req.status, afterId: req.cursor ? decodeCursor(req.cursor, 'prm') : undefined, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return { items: page.map(toPromotion), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].promotion.id) : null };
  }

  /**
   * Runs `work` in a transaction, maps a coupon code taken concurrently to a conflict, wakes the relay,
   * and reloads this replica's promotions so its next quote sees the change.
   */
  private async transaction<T>(couponCode: string | undefined, couponField: string, work: (tx: Transaction) => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await this.repository.db.transaction(work);
    } catch (err) {
      const cause = (err as { cause?: { code?: string } })?.cause ?? (err as { code?: string });
      if (couponCode && cause?.code === '23505') throw couponConflict(couponCode, couponField);
      throw err;
    }
    this.outbox.committed();
    await this.cache.reload().catch(() => undefined);
    return result;
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { PromotionStatus } from '@omnibus/contracts';
import { DATABASE, DatabaseHandle, Queryable } from '@omnibus/service-kit';
import { SQL, and, asc, desc, eq, gt, isNull, or, sql } from 'drizzle-orm';
import { CouponRow, couponCustomerUses, couponRedemptions, coupons } from '../coupons/coupons.schema';
import { PromotionRow, promotions } from './promotions.schema';

export interface PromotionWithCoupon {
  promotion: PromotionRow;
  coupon: CouponRow | null;
}

/** The only place that queries promotions (and their coupon's definition). */
@Injectable()
export class PromotionsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  async insert(tx: Queryable, row: PromotionRow, coupon: CouponRow | null): Promise<void> {
    await tx.insert(promotions).values(row);
    if (coupon) await tx.insert(coupons).values(coupon);
  }

  async findOne(tx: Queryable, id: string, lock = false): Promise<PromotionWithCoupon | null> {
    const query = tx.select({ promotion: promotions, coupon: coupons }).from(promotions).leftJoin(coupons, eq(coupons.promotionId, promotions.id)).where(eq(promotions.id, id));
    const rows = lock ? await query.for('update', { of: promotions }) : await query;
    return rows[0] ?? null;
  }

  async couponByCode(tx: Queryable, code: string): Promise<CouponRow | null> {
    const rows = await tx.select().from(coupons).where(eq(coupons.code, code));
    return rows[0] ?? null;
  }

  async update(tx: Queryable, id: string, changes: Partial<PromotionRow>): Promise<PromotionRow> {
    const rows = await tx
      .update(promotions)
      .set({ ...changes, version: sql`${promotions.version} + 1`, updatedAt: new Date() })
      .where(eq(promotions.id, id))
      .returning();
    return rows[0];
  }

  async insertCoupon(tx: Queryable, coupon: CouponRow): Promise<void> {
    await tx.insert(coupons).values(coupon);
  }

  async updateCouponLimits(tx: Queryable, code: string, limits: Pick<CouponRow, 'usageLimit' | 'usageLimitPerCustomer'>): Promise<CouponRow> {
    const rows = await tx.update(coupons).set(limits).where(eq(coupons.code, code)).returning();
    return rows[0];
  }

  /** Deletes the promotion with its coupon, the coupon's redemptions and per-customer counts. */
  async delete(tx: Queryable, id: string, couponCode: string | null): Promise<void> {
    if (couponCode) {
      await tx.delete(couponRedemptions).where(eq(couponRedemptions.code, couponCode));
      await tx.delete(couponCustomerUses).where(eq(couponCustomerUses.code, couponCode));
      await tx.delete(coupons).where(eq(coupons.code, couponCode));
    }
    await tx.delete(promotions).where(eq(promotions.id, id));
  }

  async list(tx: Queryable, filter: { status?: PromotionStatus; afterId?: string; limit: number }): Promise<PromotionWithCoupon[]> {
    const conditions: SQL[] = [];
    if (filter.status) conditions.push(eq(promotions.status, filter.status));
    if (filter.afterId) conditions.push(gt(promotions.id, filter.afterId));
    return tx
      .select({ promotion: promotions, coupon: coupons })
      .from(promotions)
      .leftJoin(coupons, eq(coupons.promotionId, promotions.id))
      .where(and(...conditions))
      .orderBy(asc(promotions.id))
      .limit(filter.limit);
  }

  /** Active promotions that have not ended: what quotes evaluate. */
  async loadActive(tx: Queryable): Promise<PromotionWithCoupon[]> {
    return tx
      .select({ promotion: promotions, coupon: coupons })
      .from(promotions)
      .leftJoin(coupons, eq(coupons.promotionId, promotions.id))
      .where(and(eq(promotions.status, 'active'), or(isNull(promotions.validUntil), gt(promotions.validUntil, sql`now()`))))
      .orderBy(desc(promotions.priority), asc(promotions.id));
  }
}

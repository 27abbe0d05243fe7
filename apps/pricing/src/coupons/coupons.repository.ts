import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, DatabaseHandle, Queryable, queryRows } from '@omnibus/service-kit';
import { and, eq, sql } from 'drizzle-orm';
import { promotions } from '../promotions/promotions.schema';
import { CouponRedemptionRow, CouponRow, couponCustomerUses, couponRedemptions, coupons } from './coupons.schema';

export interface CouponWithPromotion {
  coupon: CouponRow;
  promotion: { status: string; validFrom: Date | null; validUntil: Date | null };
}

/** Uses of a coupon as a quote sees them: total, and the asking customer's. */
export interface CouponUsageRow {
  code: string;
  usageLimit: number | null;
  usageLimitPerCustomer: number | null;
  used: number;
  customerUsed: number;
}

/** The only place that queries coupon uses; limits are enforced by conditional updates. */
@Injectable()
export class CouponsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  get db() {
    return this.database.db;
  }

  async findWithPromotion(tx: Queryable, code: string): Promise<CouponWithPromotion | null> {
    const rows = await tx
      .select({ coupon: coupons, promotion: { status: promotions.status, validFrom: promotions.validFrom, validUntil: promotions.validUntil } })
      .from(coupons)
      .innerJoin(promotions, eq(promotions.id, coupons.promotionId))
      .where(eq(coupons.code, code));
    return rows[0] ?? null;
  }

  /** Records a redemption key; false when the key was recorded before (by this call's retry, say). */
  async insertRedemption(tx: Queryable, row: CouponRedemptionRow): Promise<boolean> {
    const rows = await tx.insert(couponRedemptions).values(row).onConflictDoNothing().returning({ code: couponRedemptions.code });
    return rows.length === 1;
  }

  async findRedemption(tx: Queryable, code: string, key: string): Promise<CouponRedemptionRow | null> {
    const rows = await tx.select().from(couponRedemptions).where(and(eq(couponRedemptions.code, code), eq(couponRedemptions.redemptionKey, key)));
    return rows[0] ?? null;
  }

  /** Counts one use unless the total limit is reached; returns the uses after, or null when refused. */
  async countUse(tx: Queryable, code: string): Promise<number | null> {
    const rows = await queryRows<{ used: number }>(
      tx,
      sql`update coupons set used = used + 1 where code = ${code} and (usage_limit is null or used < usage_limit) returning used`,
    );
    return rows[0]?.used ?? null;
  }

  /** Counts one use of the customer unless their limit is reached; returns their uses after, or null when refused. */
  async countCustomerUse(tx: Queryable, code: string, customerId: string, limit: number | null): Promise<number | null> {
    const rows = await queryRows<{ used: number }>(
      tx,
      sql`insert into coupon_customer_uses (code, customer_id, used) values (${code}, ${customerId}, 1)
          on conflict (code, customer_id) do update set used = coupon_customer_uses.used + 1
          where ${limit}::integer is null or coupon_customer_uses.used < ${limit}::integer
          returning used`,
    );
    return rows[0]?.used ?? null;
  }

  /** Marks a redeemed key released; null when it is not (missing, or released before). */
  async releaseRedemption(tx: Queryable, code: string, key: string): Promise<CouponRedemptionRow | null> {
    const rows = await tx
      .update(couponRedemptions)
      .set({ status: 'released', releasedAt: new Date() })
      .where(and(eq(couponRedemptions.code, code), eq(couponRedemptions.redemptionKey, key), eq(couponRedemptions.status, 'redeemed')))
      .returning();
    return rows[0] ?? null;
  }

  async uncountUse(tx: Queryable, code: string, customerId: string | null): Promise<void> {
    await tx.update(coupons).set({ used: sql`${coupons.used} - 1` }).where(and(eq(coupons.code, code), sql`${coupons.used} > 0`));
    if (customerId) {
      await tx
        .update(couponCustomerUses)
        .set({ used: sql`${couponCustomerUses.used} - 1` })
        .where(and(eq(couponCustomerUses.code, code), eq(couponCustomerUses.customerId, customerId), sql`${couponCustomerUses.used} > 0`));
    }
  }

  async usage(codes: string[], customerId: string | null): Promise<CouponUsageRow[]> {
    if (codes.length === 0) return [];
    const rows = await queryRows<{ code: string; usage_limit: number | null; usage_limit_per_customer: number | null; used: number; customer_used: number | null }>(
      this.db,
      sql`select c.code, c.usage_limit, c.usage_limit_per_customer, c.used,
                 (select u.used from coupon_customer_uses u where u.code = c.code and u.customer_id = ${customerId}::text) as customer_used
          from coupons c where c.code = any(${sql.param(codes)}::text[])`,
    );
    return rows.map((r) => ({ code: r.code, usageLimit: r.usage_limit, usageLimitPerCustomer: r.usage_limit_per_customer, used: Number(r.used), customerUsed: Number(r.customer_used ?? 0) }));
  }
}

import { Injectable } from '@nestjs/common';
import { CouponRedemption, CouponUsage, GetCouponRequest, RedeemCouponRequest, ReleaseCouponRequest } from '@omnibus/contracts';
import { RpcError } from '@omnibus/service-kit';
import { validationError } from '../cursor';
import { CouponRedemptionRow } from './coupons.schema';
import { CouponsRepository } from './coupons.repository';

function toRedemption(row: CouponRedemptionRow, promotionId: string, repeated: boolean): CouponRedemption {
  return {
    code: row.code,
    redemptionKey: row.redemptionKey,
    promotionId,
    customerId: row.customerId,
    status: row.status,
    repeated,
    redeemedAt: new Date(row.redeemedAt).toISOString(),
    releasedAt: row.releasedAt ? new Date(row.releasedAt).toISOString() : null,
  };
}

/**
 * Coupon uses. A quote only evaluates coupons; a use is counted by `redeem` (the orders service at order
 * placement) and given back by `release` (its compensation). Limits hold by construction: the counters
 * only move through conditional updates, under the coupon row's lock.
 */
@Injectable()
export class CouponsService {
  constructor(private readonly repository: CouponsRepository) {}

  async get(req: GetCouponRequest): Promise<CouponUsage> {
    const found = await this.repository.findWithPromotion(this.repository.db, req.code.toUpperCase());
    if (!found) throw new RpcError('NOT_FOUND', `no coupon ${req.code.toUpperCase()}`);
    const { coupon } = found;
    return { code: coupon.code, promotionId: coupon.promotionId, usageLimit: coupon.usageLimit, usageLimitPerCustomer: coupon.usageLimitPerCustomer, used: coupon.used };
  }

  async redeem(req: RedeemCouponRequest): Promise<CouponRedemption> {
    const code = req.code.toUpperCase();
    return this.repository.db.transaction(async (tx) => {
      const found = await this.repository.findWithPromotion(tx, code);
      if (!found) throw new RpcError('NOT_FOUND', `no coupon ${code}`);
      const { coupon, promotion } = found;
      const now = new Date();
      const row: CouponRedemptionRow = { code, redemptionKey: req.redemptionKey, customerId: req.customerId ?? null, status: 'redeemed', redeemedAt: now, releasedAt: null };
      if (!(await this.repository.insertRedemption(tx, row))) {
        // The key was seen before: a retry counts nothing again.
        const earlier = (await this.repository.findRedemption(tx, code, req.redemptionKey))!;
        if (earlier.customerId !== row.customerId) {
          throw new RpcError('CONFLICT', `redemption key ${req.redemptionKey} was used for another customer`, [{ field: 'redemptionKey', problem: 'was used for another customer' }]);
        }
        if (earlier.status === 'released') {
          throw new RpcError('CONFLICT', `redemption ${req.redemptionKey} of coupon ${code} was released: redeem with a new key`, [{ field: 'redemptionKey', problem: 'was released; use a new key' }]);
        }
        return toRedemption(earlier, coupon.promotionId, true);
      }
      if (promotion.status !== 'active') throw new RpcError('CONFLICT', `coupon ${code} cannot be redeemed: its promotion is inactive`, [{ field: 'code', problem: 'belongs to an inactive promotion' }]);
      if (promotion.validFrom && new Date(promotion.validFrom) > now) throw new RpcError('CONFLICT', `coupon ${code} cannot be redeemed before ${new Date(promotion.validFrom).toISOString()}`, [{ field: 'code', problem: 'is not valid yet' }]);
      if (promotion.validUntil && new Date(promotion.validUntil) <= now) throw new RpcError('CONFLICT', `coupon ${code} expired at ${new Date(promotion.validUntil).toISOString()}`, [{ field: 'code', problem: 'has expired' }]);
      if (coupon.usageLimitPerCustomer !== null && !req.customerId) throw validationError([{ field: 'customerId', problem: `is required: coupon ${code} has a per-customer limit` }]);
      if ((await this.repository.countUse(tx, code)) === null) {
        throw new RpcError('CONFLICT', `coupon ${code} is used up (limit ${coupon.usageLimit})`, [{ field: 'code', problem: `has reached its usage limit of ${coupon.usageLimit}` }]);
      }
      if (req.customerId && (await this.repository.countCustomerUse(tx, code, req.customerId, coupon.usageLimitPerCustomer)) === null) {
        throw new RpcError('CONFLICT', `customer ${req.customerId} has used coupon ${code} ${coupon.usageLimitPerCustomer} times, its limit per customer`, [
          { field: 'customerId', problem: `has reached the per-customer limit of ${coupon.usageLimitPerCustomer}` },
        ]);
      }
      return toRedemption(row, coupon.promotionId, false);
    });
  }

  async release(req: ReleaseCouponRequest): Promise<CouponRedemption> {
    const code = req.code.toUpperCase();
    return this.repository.db.transaction(async (tx) => {
      const found = await this.repository.findWithPromotion(tx, code);
      if (!found) throw new RpcError('NOT_FOUND', `no coupon ${code}`);
      const released = await this.repository.releaseRedemption(tx, code, req.redemptionKey);
      if (!released) {
        const earlier = await this.repository.findRedemption(tx, code, req.redemptionKey);
        if (!earlier) throw new RpcError('NOT_FOUND', `coupon ${code} has no redemption ${req.redemptionKey}`);
        return toRedemption(earlier, found.coupon.promotionId, true); // released before: nothing to give back
      }
      await this.repository.uncountUse(tx, code, released.customerId);
      return toRedemption(released, found.coupon.promotionId, false);
    });
  }
}

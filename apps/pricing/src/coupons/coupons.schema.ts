import { integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors db/migrations; the SQL files are the source of truth for the database.
export const coupons = pgTable('coupons', {
  code: text('code').primaryKey(),
  promotionId: text('promotion_id').notNull().unique(),
  usageLimit: integer('usage_limit'),
  usageLimitPerCustomer: integer('usage_limit_per_customer'),
  used: integer('used').notNull(),
});

export const couponCustomerUses = pgTable(
  'coupon_customer_uses',
  {
    code: text('code').notNull(),
    customerId: text('customer_id').notNull(),
    used: integer('used').notNull(),
  },
  (t) => [primaryKey({ columns: [t.code, t.customerId] })],
);

export const couponRedemptions = pgTable(
  'coupon_redemptions',
  {
    code: text('code').notNull(),
    redemptionKey: text('redemption_key').notNull(),
    customerId: text('customer_id'),
    status: text('status').$type<'redeemed' | 'released'>().notNull(),
    redeemedAt: timestamp('redeemed_at', { withTimezone: true }).notNull(),
    releasedAt: timestamp('released_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.code, t.redemptionKey] })],
);

export type CouponRow = typeof coupons.$inferSelect;
export type CouponRedemptionRow = typeof couponRedemptions.$inferSelect;

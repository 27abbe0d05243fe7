/** Requests the pricing service answers (queue group `pricing`). */
export const PricingSubjects = {
  createPriceList: 'pricing.price-list.create',
  updatePriceList: 'pricing.price-list.update',
  deletePriceList: 'pricing.price-list.delete',
  getPriceList: 'pricing.price-list.get',
  listPriceLists: 'pricing.price-list.list',
  createPrice: 'pricing.price.create',
  updatePrice: 'pricing.price.update',
  deletePrice: 'pricing.price.delete',
  getPrice: 'pricing.price.get',
  listPrices: 'pricing.price.list',
  /** Bulk upsert of up to 10,000 prices of one price list; only real changes are written. */
  upsertPrices: 'pricing.price.upsert',
  /** The unit price of each SKU for one channel, customer group, currency and quantity (product pages). */
  resolvePrices: 'pricing.price.resolve',
  createPromotion: 'pricing.promotion.create',
  updatePromotion: 'pricing.promotion.update',
  deletePromotion: 'pricing.promotion.delete',
  getPromotion: 'pricing.promotion.get',
  listPromotions: 'pricing.promotion.list',
  calculateQuote: 'pricing.quote.calculate',
  getCoupon: 'pricing.coupon.get',
  redeemCoupon: 'pricing.coupon.redeem',
  releaseCoupon: 'pricing.coupon.release',
} as const;

/** Durable events pricing publishes on its JetStream stream. */
export const PricingEvents = {
  priceChanged: 'pricing.price.changed',
  priceListChanged: 'pricing.price-list.changed',
  promotionChanged: 'pricing.promotion.changed',
} as const;

export const PRICING_STREAM = 'PRICING_EVENTS';

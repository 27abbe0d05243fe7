import { PriceCandidate, PriceContext, compareCandidates, resolvePrice, specificity } from './price-resolution';

let n = 0;
const price = (overrides: Partial<PriceCandidate> = {}): PriceCandidate => ({
  id: `prc_${String(n++).padStart(22, '0')}`,
  priceListId: 'prl_base',
  priceListName: 'Base',
  priority: 0,
  sku: 'SKU-1',
  amount: 1000,
  currency: 'EUR',
  channel: null,
  customerGroup: null,
  country: null,
  minQuantity: 1,
  validFrom: null,
  validUntil: null,
  ...overrides,
});

const at = new Date('2026-11-23T12:00:00Z');
const ctx = (overrides: Partial<PriceContext> = {}): PriceContext => ({ channel: 'web', customerGroup: null, country: null, at, ...overrides });

describe('price resolution', () => {
  it('has no price when nothing matches: the SKU cannot be sold', () => {
    const r = resolvePrice([price({ channel: 'pos' })], 1, ctx());
    expect(r.price).toBeNull();
    expect(r.reason).toMatch(/no price applies/);
  });

  it('prefers customer group over channel over country, whatever the priority', () => {
    const base = price({ amount: 1000, priority: 100 });
    const country = price({ amount: 990, country: 'DE' });
    const channel = price({ amount: 980, channel: 'web' });
    const channelCountry = price({ amount: 970, channel: 'web', country: 'DE' });
    const group = price({ amount: 960, customerGroup: 'gold' });
    const all = [base, country, channel, channelCountry, group];
    expect(resolvePrice(all, 1, ctx({ country: 'DE', customerGroup: 'gold' })).price).toBe(group);
    expect(resolvePrice(all, 1, ctx({ country: 'DE' })).price).toBe(channelCountry);
    expect(resolvePrice(all, 1, ctx({ country: 'FR' })).price).toBe(channel);
    expect(resolvePrice(all, 1, ctx({ channel: 'pos', country: 'DE' })).price).toBe(country);
    expect(resolvePrice(all, 1, ctx({ channel: 'pos' })).price).toBe(base);
    expect(specificity(group)).toBeGreaterThan(specificity(channelCountry));
  });

  it('among equally specific prices, the higher list priority wins, then the higher tier reached', () => {
    const low = price({ amount: 800, priority: 0 });
    const high = price({ amount: 900, priority: 10, priceListName: 'Contract' });
    expect(resolvePrice([low, high], 1, ctx()).price).toBe(high);
    const tier10 = price({ amount: 850, priority: 10, minQuantity: 10 });
    const tier50 = price({ amount: 700, priority: 10, minQuantity: 50 });
    const all = [low, high, tier10, tier50];
    expect(resolvePrice(all, 9, ctx()).price).toBe(high);
    expect(resolvePrice(all, 10, ctx()).price).toBe(tier10);
    expect(resolvePrice(all, 49, ctx()).price).toBe(tier10);
    expect(resolvePrice(all, 50, ctx()).price).toBe(tier50);
  });

  it('uses a window from validFrom (inclusive) to validUntil (exclusive), and says when the answer changes', () => {
    const base = price({ amount: 1000 });
    const sale = price({ amount: 700, channel: 'web', validFrom: new Date('2026-11-23T11:00:00Z'), validUntil: new Date('2026-11-23T13:00:00Z') });
    const later = price({ amount: 600, channel: 'web', validFrom: new Date('2026-11-23T12:30:00Z') });
    const r = resolvePrice([base, sale, later], 1, ctx());
    expect(r.price).toBe(sale);
    expect(r.nextChangeAt).toEqual(new Date('2026-11-23T12:30:00Z'));
    expect(r.notUsed.find((x) => x.candidate === later)?.reason).toMatch(/not valid before/);
    expect(resolvePrice([base, sale], 1, ctx({ at: new Date('2026-11-23T13:00:00Z') })).price).toBe(base);
    expect(resolvePrice([base, sale], 1, ctx({ at: new Date('2026-11-23T11:00:00Z') })).price).toBe(sale);
  });

  it('explains why each other matching price was not used', () => {
    const base = price({ amount: 1000 });
    const tier = price({ amount: 900, minQuantity: 10 });
    const contract = price({ amount: 950, channel: 'web', priceListName: 'Web' });
    const r = resolvePrice([base, tier, contract], 2, ctx());
    expect(r.price).toBe(contract);
    expect(r.reason).toBe('the best of 2 applicable prices');
    expect(r.notUsed.map((x) => x.reason).sort()).toEqual(['applies from 10 units', 'less specific (any customer, channel and country) than the price used']);
  });

  it('orders every pair the same way, so equal-ranked prices never flip', () => {
    const a = price({ amount: 500 });
    const b = price({ amount: 500 });
    const c = price({ amount: 400 });
    expect([a, b, c].sort(compareCandidates)).toEqual([c, a, b]);
    expect([b, c, a].sort(compareCandidates)).toEqual([c, a, b]);
  });
});

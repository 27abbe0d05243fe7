import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import { ApiClient, appProcess, waitFor } from '@omnibus/testing';
import { Platform, productBody, startPlatform } from './platform';

const STREAM = 'PRICING_EVENTS';
const TOKEN_SECRET = `e2e-pricing-token-secret-${randomBytes(8).toString('hex')}`;

describe('pricing through the gateway (real NATS and PostgreSQL)', () => {
  let p: Platform;
  let pos: ApiClient;
  /** A logged-in customer of group `gold`, at the web shop and at the POS. */
  let goldWeb: ApiClient;
  let goldPos: ApiClient;
  let goldCustomerId: string;
  let goldToken: string;
  let counter = 0;
  /** A prefix unique to this run and call, so tests never share SKUs, codes or categories. */
  const unique = (what: string) => `${what}-${Date.now().toString(36)}${(counter++).toString(36)}`.toUpperCase();

  beforeAll(async () => {
    p = await startPlatform({
      only: ['catalog', 'pricing', 'customers'],
      serviceEnv: { customers: { CUSTOMER_TOKEN_SECRET: TOKEN_SECRET } },
      gatewayEnv: { CUSTOMER_TOKEN_SECRET: TOKEN_SECRET },
    });
    pos = p.admin.as('dev-pos');
    ({ token: goldToken, id: goldCustomerId } = await customerOfGroup('gold'));
    goldWeb = p.web.withHeaders({ authorization: `Bearer ${goldToken}` });
    goldPos = pos.withHeaders({ authorization: `Bearer ${goldToken}` });
  });
  afterAll(async () => {
    await p?.stop();
  });

  /** Signs a customer up, moves them to `group` (created when missing) and logs them in again: their token carries the group. */
  const customerOfGroup = async (group: string) => {
    const created = await p.admin.post('/v1/customer-groups', { code: group, name: group });
    expect([201, 409]).toContain(created.status);
    const email = `${unique('shopper').toLowerCase()}@example.com`;
    const password = `Pw-${randomBytes(6).toString('hex')}`;
    const signedUp = await p.web.post('/v1/customers/sign-up', { email, password });
    expect(signedUp.status).toBe(201);
    const moved = await p.admin.patch(`/v1/customers/${signedUp.body.customer.id}`, { group });
    expect(moved.status).toBe(200);
    const session = await p.web.post('/v1/customers/login', { email, password });
    expect(session.body.customer.pricingGroup).toBe(group);
    return { token: session.body.token as string, id: signedUp.body.customer.id as string };
  };
  const createList = async (body: Record<string, unknown>) => {
    const res = await p.admin.post('/v1/price-lists', { name: unique('list'), ...body });
    expect(res.status).toBe(201);
    return res.body;
  };
  const createPrice = async (body: Record<string, unknown>) => {
    const res = await p.admin.post('/v1/prices', { currency: 'EUR', ...body });
    expect(res.status).toBe(201);
    return res.body;
  };
  const createPromotion = async (body: Record<string, unknown>) => {
    const res = await p.admin.post('/v1/promotions', { name: unique('promo'), ...body });
    expect(res.status).toBe(201);
    return res.body;
  };
  const quote = async (client: ApiClient, body: Record<string, unknown>) => {
    const res = await client.post('/v1/quotes', { currency: 'EUR', ...body });
    expect(res.status).toBe(200);
    return res.body;
  };
  const unitPrice = async (client: ApiClient, sku: string, quantity = 1, extra: Record<string, unknown> = {}) =>
    (await quote(client, { lines: [{ sku, quantity }], ...extra })).lines[0].unitPrice;
  const pendingOutbox = async () => Number((await p.databases.pricing.query<{ n: string }>('select count(*) as n from outbox where published_at is null'))[0].n);
  const streamCount = async () => {
    const nc = await connect({ servers: p.nats.url });
    try {
      return (await (await nc.jetstreamManager()).streams.info(STREAM)).state.messages;
    } finally {
      await nc.close();
    }
  };

  it('resolves channel-scoped, group-scoped and tiered prices as documented, in quotes and product details', async () => {
    const base = await createList({ priority: 0 });
    const contract = await createList({ priority: 10 });
    const product = await p.admin.post('/v1/products', productBody({ channels: ['web', 'pos'] }));
    const sku = product.body.variants[0].sku;
    const basePrice = await createPrice({ priceListId: base.id, sku, amount: 1000 });
    const tier = await createPrice({ priceListId: base.id, sku, amount: 900, minQuantity: 10 });
    const posPrice = await createPrice({ priceListId: base.id, sku, amount: 950, channel: 'pos' });
    await createPrice({ priceListId: contract.id, sku, amount: 800, customerGroup: 'gold' });

    expect(await unitPrice(p.web, sku)).toBe(1000);
    expect(await unitPrice(p.web, sku, 9)).toBe(1000);
    expect(await unitPrice(p.web, sku, 10)).toBe(900); // the tier reached
    expect(await unitPrice(pos, sku)).toBe(950); // channel-scoped
    expect(await unitPrice(pos, sku, 10)).toBe(950); // more specific beats the unscoped tier
    expect(await unitPrice(goldWeb, sku)).toBe(800); // group beats channel
    expect(await unitPrice(goldPos, sku)).toBe(800);

    const explained = await quote(pos, { lines: [{ sku, quantity: 10 }] });
    expect(explained.explanation.prices[0]).toMatchObject({ sku, priceId: posPrice.id, priceListId: base.id, channel: 'pos', minQuantity: 1 });
    expect(explained.explanation.prices[0].reason).toBe('the best of 3 applicable prices');
    expect(explained.explanation.prices[0].notUsed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ priceId: tier.id, reason: expect.stringContaining('less specific') }),
        expect.objectContaining({ priceId: basePrice.id, reason: expect.stringContaining('less specific') }),
      ]),
    );

    // Equally specific: the list with the higher priority wins.
    const sku2 = product.body.variants[1].sku;
    await createPrice({ priceListId: base.id, sku: sku2, amount: 2000 });
    await createPrice({ priceListId: contract.id, sku: sku2, amount: 2100 });
    expect(await unitPrice(p.web, sku2)).toBe(2100);

    // Product details show the caller's price: by channel key, admin (not channel-scoped) or ?channel=, group, currency.
    const path = `/v1/products/${product.body.id}`;
    const detail = await p.web.get(path);
    expect(detail.status).toBe(200);
    expect(detail.body.price).toEqual({
      currency: 'EUR',
      channel: 'web',
      customerGroup: null,
      variants: [
        { sku, amount: 1000, priceId: basePrice.id, priceListId: base.id },
        { sku: sku2, amount: 2100, priceId: expect.any(String), priceListId: contract.id },
      ],
    });
    expect((await pos.get(path)).body.price.variants[0].amount).toBe(950);
    expect((await p.admin.get(path)).body.price).toMatchObject({ channel: null, variants: [{ amount: 1000 }, { amount: 2100 }] });
    expect((await p.admin.get(`${path}?channel=pos`)).body.price.variants[0].amount).toBe(950);
    expect((await goldWeb.get(path)).body.price).toMatchObject({ customerGroup: 'gold', variants: [{ amount: 800 }, { amount: 2100 }] });
    expect((await p.web.get(`${path}?currency=USD`)).body.price.variants[0]).toEqual({ sku, amount: null, priceId: null, priceListId: null });
    expect((await p.web.get(`${path}?currency=euro`)).body.details[0].field).toBe('currency');
    expect((await p.web.get(`${path}?channel=pos`)).status).toBe(403);

    // A price change reaches the cached product detail through pricing.price.changed.
    const changed = await p.admin.patch(`/v1/prices/${basePrice.id}`, { amount: 1100 }, { 'if-match': '"1"' });
    expect(changed.status).toBe(200);
    expect(await unitPrice(p.web, sku)).toBe(1100); // the replica that wrote it quotes it at once
    await waitFor('the product detail to show the new price', async () => (await p.web.get(path)).body.price.variants[0].amount === 1100, 5000, 20);
    // So does a list that is switched off (pricing.price-list.changed).
    const switched = await p.admin.patch(`/v1/price-lists/${contract.id}`, { status: 'inactive' }, { 'if-match': '"1"' });
    expect(switched.status).toBe(200);
    await waitFor('the contract list to stop applying', async () => (await p.web.get(path)).body.price.variants[1].amount === 2000, 5000, 20);
    expect(await unitPrice(goldWeb, sku)).toBe(1100);
    expect((await goldWeb.get(path)).body.price.variants[0].amount).toBe(1100);
  });

  it("prices a logged-in customer for the group in their token, and never an anonymous caller for a group it names", async () => {
    const list = await createList({});
    const product = await p.admin.post('/v1/products', productBody({ channels: ['web', 'app', 'pos'] }));
    const sku = product.body.variants[0].sku;
    const path = `/v1/products/${product.body.id}`;
    await createPrice({ priceListId: list.id, sku, amount: 1000 });
    await createPrice({ priceListId: list.id, sku, amount: 800, customerGroup: 'gold' });

    // The logged-in gold customer gets the gold price in quotes and in the product detail, without naming the group.
    const goldQuote = await quote(goldWeb, { lines: [{ sku, quantity: 1 }] });
    expect(goldQuote).toMatchObject({ customerGroup: 'gold', lines: [{ unitPrice: 800 }] });
    expect((await goldWeb.get(path)).body.price).toMatchObject({ channel: 'web', customerGroup: 'gold', variants: [{ sku, amount: 800 }, { amount: null }] });
    // Naming their own group changes nothing; naming another group, or another customer, is refused.
    expect(await unitPrice(goldWeb, sku, 1, { customerGroup: 'gold' })).toBe(800);
    expect((await goldWeb.get(`${path}?customerGroup=gold`)).body.price.variants[0].amount).toBe(800);
    for (const refused of [
      await goldWeb.post('/v1/quotes', { currency: 'EUR', lines: [{ sku, quantity: 1 }], customerGroup: 'retail' }),
      await goldWeb.get(`${path}?customerGroup=retail`),
    ]) {
      expect(refused.status).toBe(403);
      expect(refused.body.details).toEqual([{ field: 'customerGroup', problem: expect.stringContaining('not the group of the logged-in customer') }]);
    }
    const otherCustomer = await goldWeb.post('/v1/quotes', { currency: 'EUR', lines: [{ sku, quantity: 1 }], customerId: 'cus_00mwsl5gj03jvyx6t27vbz' });
    expect(otherCustomer.status).toBe(403);
    expect(otherCustomer.body.details[0].field).toBe('customerId');

    // An anonymous caller gets the price for everyone, and cannot get the group price by naming the group.
    expect(await quote(p.web, { lines: [{ sku, quantity: 1 }] })).toMatchObject({ customerGroup: null, lines: [{ unitPrice: 1000 }] });
    expect((await p.web.get(path)).body.price).toMatchObject({ customerGroup: null, variants: [{ sku, amount: 1000 }, { amount: null }] });
    for (const refused of [
      await p.web.post('/v1/quotes', { currency: 'EUR', lines: [{ sku, quantity: 1 }], customerGroup: 'gold' }),
      await p.admin.as('dev-app').post('/v1/quotes', { currency: 'EUR', lines: [{ sku, quantity: 1 }], customerGroup: 'gold' }),
      await p.web.get(`${path}?customerGroup=gold`),
    ]) {
      expect(refused.status).toBe(403);
      expect(refused.body.details).toEqual([{ field: 'customerGroup', problem: expect.stringContaining('customer token') }]);
    }
    // A customer of another group gets their own group's price (none here: the price for everyone).
    const retail = await customerOfGroup('retail');
    const retailWeb = p.web.withHeaders({ authorization: `Bearer ${retail.token}` });
    expect(await quote(retailWeb, { lines: [{ sku, quantity: 1 }] })).toMatchObject({ customerGroup: 'retail', lines: [{ unitPrice: 1000 }] });
    expect((await retailWeb.get(path)).body.price).toMatchObject({ customerGroup: 'retail', variants: [{ amount: 1000 }, { amount: null }] });
    // Back office (admin key) and staff channels (the POS, as when it orders for a named customer) may price on behalf of a group.
    expect(await unitPrice(p.admin, sku, 1, { customerGroup: 'gold' })).toBe(800);
    expect((await p.admin.get(`${path}?customerGroup=gold`)).body.price.variants[0].amount).toBe(800);
    expect(await unitPrice(pos, sku, 1, { customerGroup: 'gold' })).toBe(800);
    expect((await pos.get(`${path}?customerGroup=gold`)).body.price).toMatchObject({ channel: 'pos', customerGroup: 'gold', variants: [{ amount: 800 }, { amount: null }] });
    expect((await pos.get(path)).body.price.variants[0].amount).toBe(1000);

    // The quote is for the token's customer: per-customer coupon limits count their uses.
    const code = unique('mine');
    await createPromotion({ discount: { type: 'percentage', percent: 10 }, products: { skus: [sku] }, coupon: { code, usageLimitPerCustomer: 1 } });
    // With a token the use is the token's customer's: naming another is 403, and leaving it out counts for them.
    const forOther = await goldWeb.post(`/v1/coupons/${code}/redemptions`, { redemptionKey: `${code}-0`, customerId: 'someone-else' });
    expect(forOther.status).toBe(403);
    expect(forOther.body.details).toEqual([{ field: 'customerId', problem: expect.stringContaining('not the logged-in customer') }]);
    expect((await goldWeb.post(`/v1/coupons/${code}/redemptions`, { redemptionKey: `${code}-1` })).status).toBe(201);
    expect((await goldWeb.post(`/v1/coupons/${code}/redemptions`, { redemptionKey: `${code}-2`, customerId: goldCustomerId })).status).toBe(409);
    const afterUse = await quote(goldWeb, { lines: [{ sku, quantity: 1 }], couponCodes: [code] });
    expect(afterUse.explanation.coupons[0]).toMatchObject({ accepted: false, reason: expect.stringContaining('limit 1 per customer') });
  });

  it('stops applying an expired price, in quotes and in cached product details', async () => {
    const list = await createList({});
    const product = await p.admin.post('/v1/products', productBody());
    const sku = product.body.variants[0].sku;
    await createPrice({ priceListId: list.id, sku, amount: 1000 });
    const validUntil = new Date(Date.now() + 3000).toISOString();
    const sale = await createPrice({ priceListId: list.id, sku, amount: 700, channel: 'web', validUntil });
    expect(sale.validUntil).toBe(validUntil);
    expect(await unitPrice(p.web, sku)).toBe(700);
    expect((await p.web.get(`/v1/products/${product.body.id}`)).body.price.variants[0].amount).toBe(700);
    await waitFor('the sale price to expire', async () => (await unitPrice(p.web, sku)) === 1000, 10_000, 200);
    const after = await quote(p.web, { lines: [{ sku, quantity: 1 }] });
    expect(after.explanation.prices[0].priceId).not.toBe(sale.id);
    // No event announces an expiry: the cached detail expires at the window's end by itself.
    expect((await p.web.get(`/v1/products/${product.body.id}`)).body.price.variants[0].amount).toBe(1000);
    // A window that has already ended never applies.
    const past = await createPrice({ priceListId: list.id, sku, amount: 1, customerGroup: 'vip', validFrom: '2020-01-01T00:00:00Z', validUntil: '2020-02-01T00:00:00Z' });
    expect(past.id).toMatch(/^prc_/);
    expect(await unitPrice(p.admin, sku, 1, { customerGroup: 'vip' })).toBe(1000);
    // Currencies are never converted; codes are stored upper-case.
    const usd = await createPrice({ priceListId: list.id, sku, amount: 1500, currency: 'usd' });
    expect(usd.currency).toBe('USD');
    expect(await unitPrice(p.web, sku, 1, { currency: 'USD' })).toBe(1500);
    expect((await p.web.get(`/v1/products/${product.body.id}?currency=usd`)).body.price).toMatchObject({ currency: 'USD', variants: [{ amount: 1500 }, { amount: null }] });
  });

  it('explains which price and promotions applied, and why the others did not', async () => {
    const list = await createList({});
    const category = unique('cat').toLowerCase();
    const product = await p.admin.post('/v1/products', productBody({ categories: [category], attributes: { material: 'linen' } }));
    const [shirt, other] = product.body.variants.map((v: { sku: string }) => v.sku);
    const mug = unique('MUG');
    await createPrice({ priceListId: list.id, sku: shirt, amount: 2000 });
    await createPrice({ priceListId: list.id, sku: other, amount: 3000 });
    await createPrice({ priceListId: list.id, sku: mug, amount: 500 });
    // Pricing learns the product's categories from the catalog's events.
    await waitFor('pricing to know the product', async () => (await p.databases.pricing.query('select 1 from catalog_variants where sku = $1', [shirt])).length === 1);

    const byCategory = await createPromotion({ priority: 30, discount: { type: 'percentage', percent: 10 }, products: { categories: [category] } });
    const byCoupon = await createPromotion({ priority: 20, discount: { type: 'fixedAmount', amount: { amount: 250, currency: 'EUR' } }, products: { skus: [mug] }, coupon: { code: unique('mug') } });
    const posOnly = await createPromotion({ priority: 10, channels: ['pos'], discount: { type: 'percentage', percent: 50 }, products: { skus: [mug] } });
    const bigCart = await createPromotion({ priority: 5, minCartValue: { amount: 1_000_000, currency: 'EUR' }, discount: { type: 'percentage', percent: 5 }, products: { skus: [mug] } });
    const b2g1 = await createPromotion({ priority: 1, discount: { type: 'buyXGetY', buyQuantity: 2, getQuantity: 1 }, products: { skus: [mug] } });

    const q = await quote(p.web, {
      lines: [
        { sku: shirt, quantity: 2 },
        { sku: other, quantity: 1 },
        { sku: mug, quantity: 3 },
      ],
      couponCodes: [byCoupon.coupon.code.toLowerCase(), 'NOSUCHCODE'],
    });
    // shirt: 4000 − 10 % = 3600; other: 3000 − 300 = 2700; mugs: 1500 − 3 × 250 = 750, then 1 of 3 free (250 left per unit).
    expect(q.lines.map((l: { total: number }) => l.total)).toEqual([3600, 2700, 500]);
    expect(q.lines[2].discounts).toEqual([
      { promotionId: byCoupon.id, name: byCoupon.name, amount: 750 },
      { promotionId: b2g1.id, name: b2g1.name, amount: 250 },
    ]);
    expect(q).toMatchObject({ subtotal: 8500, discountTotal: 1700, total: 6800, complete: true });
    const outcome = (id: string) => q.explanation.promotions.find((o: { promotionId: string }) => o.promotionId === id);
    expect(outcome(byCategory.id)).toMatchObject({ applied: true, amount: 700 });
    expect(outcome(byCoupon.id)).toMatchObject({ applied: true, amount: 750 });
    expect(outcome(b2g1.id)).toMatchObject({ applied: true, amount: 250 });
    expect(outcome(posOnly.id)).toMatchObject({ applied: false, reason: 'only in channel pos' });
    expect(outcome(bigCart.id)).toMatchObject({ applied: false, reason: expect.stringContaining('needs a subtotal of at least 1000000') });
    expect(q.explanation.coupons).toEqual([
      { code: byCoupon.coupon.code, accepted: true, promotionId: byCoupon.id, reason: expect.stringContaining('applied') },
      { code: 'NOSUCHCODE', accepted: false, promotionId: null, reason: 'unknown, inactive or ended' },
    ]);
    expect(q.explanation.prices.map((e: { priceListId: string }) => e.priceListId)).toEqual([list.id, list.id, list.id]);

    // explain: false keeps totals, coupons and the applied promotions only.
    const lean = await quote(p.web, {
      explain: false,
      lines: [
        { sku: shirt, quantity: 2 },
        { sku: other, quantity: 1 },
        { sku: mug, quantity: 3 },
      ],
      couponCodes: [byCoupon.coupon.code],
    });
    expect(lean.lines).toEqual(q.lines);
    expect(lean.total).toBe(6800);
    expect(lean.explanation.prices).toEqual([]);
    expect(lean.explanation.promotions.map((o: { promotionId: string }) => o.promotionId)).toEqual([byCategory.id, byCoupon.id, b2g1.id]);
    expect(lean.explanation.coupons[0]).toMatchObject({ accepted: true });

    // The POS key sees the same cart with its channel's promotion.
    const atPos = await quote(pos, { lines: [{ sku: mug, quantity: 1 }] });
    expect(atPos.lines[0].discounts).toEqual([{ promotionId: posOnly.id, name: posOnly.name, amount: 250 }]);

    // A category that leaves the product (catalog event) leaves the promotion too.
    const updated = await p.admin.patch(`/v1/products/${product.body.id}`, { categories: ['elsewhere'] }, { 'if-match': '"1"' });
    expect(updated.status).toBe(200);
    await waitFor('the category promotion to stop applying', async () => (await quote(p.web, { lines: [{ sku: shirt, quantity: 1 }] })).lines[0].discountTotal === 0);
    // An archived product cannot be sold: no price.
    await p.admin.post(`/v1/products/${product.body.id}/archive`);
    const archived = await waitFor('the archived product to lose its price', async () => {
      const r = await quote(p.web, { lines: [{ sku: shirt, quantity: 1 }] });
      return r.lines[0].unitPrice === null ? r : undefined;
    });
    expect(archived.complete).toBe(false);
    expect(archived.explanation.prices[0].reason).toContain('archived');

    // Channel-scoped promotions stay in this test.
    expect((await p.admin.request('DELETE', `/v1/promotions/${posOnly.id}`)).status).toBe(200);
  });

  it('gives web and POS keys identical quotes for identical carts when nothing is channel-scoped', async () => {
    const list = await createList({});
    const skus = Array.from({ length: 10 }, (_, i) => `${unique('same')}-${i}`);
    for (const [i, sku] of skus.entries()) await createPrice({ priceListId: list.id, sku, amount: 1000 + i * 137 });
    await createPromotion({ priority: 3, discount: { type: 'percentage', percent: 7.5 }, products: { skus: skus.slice(0, 5) } });
    await createPromotion({ priority: 2, discount: { type: 'buyXGetY', buyQuantity: 3, getQuantity: 1, percent: 50 }, products: { skus } });
    await createPromotion({ priority: 1, discount: { type: 'fixedAmount', amount: { amount: 999, currency: 'EUR' } }, minCartValue: { amount: 5000, currency: 'EUR' }, products: { skus } });
    const cart = { lines: skus.map((sku, i) => ({ sku, quantity: (i % 4) + 1 })), customerId: 'cust-1' };
    const [web, atPos, app] = await Promise.all([quote(p.web, cart), quote(pos, cart), quote(p.admin.as('dev-app'), cart)]);
    expect(web.discountTotal).toBeGreaterThan(0);
    const comparable = ({ quotedAt: _quotedAt, ...rest }: Record<string, unknown>) => rest;
    expect(comparable(atPos)).toEqual(comparable(web));
    expect(comparable(app)).toEqual(comparable(web));
  });

  it('redeems a coupon exactly up to its limit under 20 concurrent redemptions, once per key', async () => {
    const code = unique('twenty');
    const list = await createList({});
    const sku = unique('CPN');
    await createPrice({ priceListId: list.id, sku, amount: 1000 });
    const promo = await createPromotion({ discount: { type: 'percentage', percent: 20 }, products: { skus: [sku] }, coupon: { code, usageLimit: 5 } });
    const clients = [p.web, pos, p.admin];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => clients[i % 3].post(`/v1/coupons/${code}/redemptions`, { redemptionKey: `order-${i}` })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 409)).toHaveLength(15);
    const refused = results.find((r) => r.status === 409)!;
    expect(refused.body.details).toEqual([{ field: 'code', problem: 'has reached its usage limit of 5' }]);
    expect((await p.admin.get(`/v1/coupons/${code}`)).body).toEqual({ code, promotionId: promo.id, usageLimit: 5, usageLimitPerCustomer: null, used: 5 });

    // A retry with a key that was counted counts nothing again.
    const winner = results.findIndex((r) => r.status === 201);
    const retry = await p.web.post(`/v1/coupons/${code}/redemptions`, { redemptionKey: `order-${winner}` });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ code, status: 'redeemed', repeated: true });
    expect((await p.admin.get(`/v1/coupons/${code}`)).body.used).toBe(5);

    // A quote evaluates the coupon: used up.
    const used = await quote(p.web, { lines: [{ sku, quantity: 1 }], couponCodes: [code] });
    expect(used.explanation.coupons[0]).toMatchObject({ accepted: false, reason: 'used up (limit 5)' });
    expect(used.total).toBe(1000);
    // Releasing a use gives it back (once), and the coupon applies again.
    const released = await p.web.request('DELETE', `/v1/coupons/${code}/redemptions/order-${winner}`);
    expect(released.body).toMatchObject({ status: 'released', repeated: false });
    expect((await p.web.request('DELETE', `/v1/coupons/${code}/redemptions/order-${winner}`)).body.repeated).toBe(true);
    expect((await p.admin.get(`/v1/coupons/${code}`)).body.used).toBe(4);
    expect((await quote(p.web, { lines: [{ sku, quantity: 1 }], couponCodes: [code] })).total).toBe(800);
    expect((await p.web.post(`/v1/coupons/${code}/redemptions`, { redemptionKey: `order-${winner}` })).status).toBe(409); // a released key is spent

    // Per customer: one use each.
    const once = unique('once');
    await createPromotion({ discount: { type: 'percentage', percent: 5 }, products: { skus: [sku] }, coupon: { code: once, usageLimitPerCustomer: 1 } });
    expect((await p.web.post(`/v1/coupons/${once}/redemptions`, { redemptionKey: 'a-1', customerId: 'cust-a' })).status).toBe(201);
    const second = await p.web.post(`/v1/coupons/${once}/redemptions`, { redemptionKey: 'a-2', customerId: 'cust-a' });
    expect(second.status).toBe(409);
    expect(second.body.details[0].field).toBe('customerId');
    expect((await p.web.post(`/v1/coupons/${once}/redemptions`, { redemptionKey: 'b-1', customerId: 'cust-b' })).status).toBe(201);
    const anonymous = await p.web.post(`/v1/coupons/${once}/redemptions`, { redemptionKey: 'anon-1' });
    expect(anonymous.status).toBe(400);
    expect(anonymous.body.details[0].field).toBe('customerId');
    const forA = await quote(p.web, { lines: [{ sku, quantity: 1 }], couponCodes: [once], customerId: 'cust-a' });
    expect(forA.explanation.coupons[0]).toMatchObject({ accepted: false, reason: expect.stringContaining('limit 1 per customer') });
    expect((await p.web.post('/v1/coupons/NOSUCHCOUPON/redemptions', { redemptionKey: 'x-1' })).status).toBe(404);
  });

  it('bulk-upserts 10,000 prices and emits events only for the 100 that changed', async () => {
    const list = await createList({});
    const run = unique('b');
    const prices = Array.from({ length: 10_000 }, (_, i) => ({ sku: `${run}-${i}`, amount: 1000 + i, currency: 'EUR' }));
    const first = await p.admin.post(`/v1/price-lists/${list.id}/prices/bulk`, { prices });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ priceListId: list.id, received: 10_000, created: 10_000, updated: 0, unchanged: 0 });
    await waitFor('the 10,000 events to be published', async () => (await pendingOutbox()) === 0, 60_000, 200);
    const before = await streamCount();

    const changedIndexes = new Set(Array.from({ length: 100 }, (_, i) => i * 97));
    const second = prices.map((x, i) => (changedIndexes.has(i) ? { ...x, amount: x.amount + 1 } : x));
    const res = await p.admin.post(`/v1/price-lists/${list.id}/prices/bulk`, { prices: second }, { 'x-correlation-id': `${run}-second` });
    expect(res.body).toEqual({ priceListId: list.id, received: 10_000, created: 0, updated: 100, unchanged: 9900 });
    await waitFor('the events to be published', async () => (await pendingOutbox()) === 0, 30_000, 100);
    expect(await streamCount()).toBe(before + 100);
    const events = await p.databases.pricing.query<{ subject: string; envelope: any }>("select subject, envelope from outbox where envelope->>'correlationId' = $1", [`${run}-second`]);
    expect(events).toHaveLength(100);
    expect(new Set(events.map((e) => e.subject))).toEqual(new Set(['pricing.price.changed']));
    const sample = events.find((e) => e.envelope.data.sku === `${run}-97`)!;
    expect(sample.envelope.data).toMatchObject({ change: 'updated', oldAmount: 1097, newAmount: 1098, scope: { priceListId: list.id, currency: 'EUR', channel: null, minQuantity: 1 } });

    // The same body again changes nothing and emits nothing.
    const third = await p.admin.post(`/v1/price-lists/${list.id}/prices/bulk`, { prices: second });
    expect(third.body).toMatchObject({ created: 0, updated: 0, unchanged: 10_000 });
    expect(await pendingOutbox()).toBe(0);
    expect(await streamCount()).toBe(before + 100);
    expect(await unitPrice(p.web, `${run}-97`)).toBe(1098);
  });

  describe('bad input gets a 4xx naming the field, and writes nothing', () => {
    let listId: string;
    beforeAll(async () => {
      listId = (await createList({})).id;
    });

    const cases: [string, () => [string, unknown], number, string][] = [
      ['a negative amount', () => ['/v1/prices', { priceListId: listId, sku: 'BAD-1', amount: -1, currency: 'EUR' }], 400, 'amount'],
      ['a fractional amount', () => ['/v1/prices', { priceListId: listId, sku: 'BAD-1', amount: 9.99, currency: 'EUR' }], 400, 'amount'],
      ['an unknown currency', () => ['/v1/prices', { priceListId: listId, sku: 'BAD-1', amount: 100, currency: 'EUX' }], 400, 'currency'],
      ['an inverted validity window', () => ['/v1/prices', { priceListId: listId, sku: 'BAD-1', amount: 100, currency: 'EUR', validFrom: '2027-02-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z' }], 400, 'validUntil'],
      ['a zero minQuantity', () => ['/v1/prices', { priceListId: listId, sku: 'BAD-1', amount: 100, currency: 'EUR', minQuantity: 0 }], 400, 'minQuantity'],
      ['an unknown price list', () => ['/v1/prices', { priceListId: 'prl_0000000000000000000000', sku: 'BAD-1', amount: 100, currency: 'EUR' }], 400, 'priceListId'],
      [
        'overlapping tiers in one bulk request',
        () => [`/v1/price-lists/${listId}/prices/bulk`, { prices: [{ sku: 'BAD-1', amount: 100, currency: 'EUR', minQuantity: 5 }, { sku: 'BAD-2', amount: 100, currency: 'EUR' }, { sku: 'BAD-1', amount: 90, currency: 'EUR', minQuantity: 5 }] }],
        400,
        'prices.2.minQuantity',
      ],
      ['a negative amount in a bulk request', () => [`/v1/price-lists/${listId}/prices/bulk`, { prices: [{ sku: 'BAD-1', amount: 100, currency: 'EUR' }, { sku: 'BAD-2', amount: -5, currency: 'EUR' }] }], 400, 'prices.1.amount'],
      ['a quote in an unknown currency', () => ['/v1/quotes', { currency: 'XYZ', lines: [{ sku: 'BAD-1', quantity: 1 }] }], 400, 'currency'],
      ['a quote with a zero quantity', () => ['/v1/quotes', { currency: 'EUR', lines: [{ sku: 'BAD-1', quantity: 0 }] }], 400, 'lines.0.quantity'],
      ['a quote with an unknown field', () => ['/v1/quotes', { currency: 'EUR', lines: [{ sku: 'BAD-1', quantity: 1, colour: 'red' }] }], 400, 'lines.0.colour'],
      ['a quote that is not an object', () => ['/v1/quotes', [1, 2]], 400, 'body'],
      ['a quote repeating a SKU', () => ['/v1/quotes', { currency: 'EUR', lines: [{ sku: 'BAD-1', quantity: 1 }, { sku: 'BAD-1', quantity: 2 }] }], 400, 'lines.1.sku'],
      ['a promotion with an inverted window', () => ['/v1/promotions', { name: 'Bad', discount: { type: 'percentage', percent: 10 }, validFrom: '2027-02-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z' }], 400, 'validUntil'],
      ['a promotion over 100 %', () => ['/v1/promotions', { name: 'Bad', discount: { type: 'percentage', percent: 150 } }], 400, 'discount.percent'],
      ['a fixed amount in an unknown currency', () => ['/v1/promotions', { name: 'Bad', discount: { type: 'fixedAmount', amount: { amount: 100, currency: 'EURO' } } }], 400, 'discount.amount.currency'],
      ['a discount field of another type', () => ['/v1/promotions', { name: 'Bad', discount: { type: 'percentage', percent: 10, buyQuantity: 2 } }], 400, 'discount.buyQuantity'],
      ['an empty product selector', () => ['/v1/promotions', { name: 'Bad', discount: { type: 'percentage', percent: 10 }, products: {} }], 400, 'products'],
    ];

    it.each(cases)('%s', async (_what, make, status, field) => {
      const [path, body] = make();
      const pricesBefore = await p.databases.pricing.query<{ n: string }>('select count(*) as n from prices');
      const promosBefore = await p.databases.pricing.query<{ n: string }>('select count(*) as n from promotions');
      const res = await p.admin.post(path, body);
      expect(res.status).toBe(status);
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      expect(await p.databases.pricing.query('select count(*) as n from prices')).toEqual(pricesBefore);
      expect(await p.databases.pricing.query('select count(*) as n from promotions')).toEqual(promosBefore);
    });

    it('refuses a second price with the same scope and tier with 409 naming minQuantity', async () => {
      await createPrice({ priceListId: listId, sku: 'DUP-1', amount: 100, minQuantity: 5 });
      const again = await p.admin.post('/v1/prices', { priceListId: listId, sku: 'DUP-1', amount: 90, currency: 'EUR', minQuantity: 5 });
      expect(again.status).toBe(409);
      expect(again.body.details[0].field).toBe('minQuantity');
    });

    it('refuses a duplicate coupon code with 409 naming coupon.code', async () => {
      const code = unique('dup');
      await createPromotion({ discount: { type: 'percentage', percent: 1 }, products: { skus: ['DUP-1'] }, coupon: { code } });
      const again = await p.admin.post('/v1/promotions', { name: 'Again', discount: { type: 'percentage', percent: 1 }, coupon: { code: code.toLowerCase() } });
      expect(again.status).toBe(409);
      expect(again.body.details[0].field).toBe('coupon.code');
    });

    it('keeps admin routes for admin keys', async () => {
      expect((await p.web.post('/v1/prices', { priceListId: listId, sku: 'BAD-1', amount: 1, currency: 'EUR' })).status).toBe(403);
      expect((await p.web.post('/v1/promotions', { name: 'X', discount: { type: 'percentage', percent: 1 } })).status).toBe(403);
      expect((await p.web.post('/v1/quotes', { currency: 'EUR', channel: 'pos', lines: [{ sku: 'A', quantity: 1 }] })).status).toBe(403);
    });
  });

  it('updates prices, lists and promotions with If-Match: 428 without, 412 when stale', async () => {
    const list = await createList({});
    const price = await createPrice({ priceListId: list.id, sku: unique('IFM'), amount: 100 });
    const promo = await createPromotion({ discount: { type: 'percentage', percent: 1 }, products: { skus: [price.sku] } });
    for (const [path, change] of [
      [`/v1/prices/${price.id}`, { amount: 200 }],
      [`/v1/price-lists/${list.id}`, { name: 'Renamed' }],
      [`/v1/promotions/${promo.id}`, { name: 'Renamed' }],
    ] as const) {
      expect((await p.admin.patch(path, change)).status).toBe(428);
      const ok = await p.admin.patch(path, change, { 'if-match': '"1"' });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('etag')).toBe('"2"');
      const stale = await p.admin.patch(path, change, { 'if-match': '"1"' });
      expect(stale.status).toBe(412);
      expect(stale.body.details[0].field).toBe('version');
    }
    // An update that changes nothing writes nothing.
    const same = await p.admin.patch(`/v1/prices/${price.id}`, { amount: 200 }, { 'if-match': '"2"' });
    expect(same.headers.get('etag')).toBe('"2"');
    const inverted = await p.admin.patch(`/v1/prices/${price.id}`, { validFrom: '2027-01-01T00:00:00Z', validUntil: '2026-01-01T00:00:00Z' }, { 'if-match': '"2"' });
    expect(inverted.status).toBe(400);
    expect(inverted.body.details[0].field).toBe('validUntil');
    expect((await p.admin.request('DELETE', `/v1/prices/${price.id}`, undefined, { 'if-match': '"1"' })).status).toBe(412);
    expect((await p.admin.request('DELETE', `/v1/prices/${price.id}`, undefined, { 'if-match': '"2"' })).status).toBe(200);
    expect((await p.admin.get(`/v1/prices/${price.id}`)).status).toBe(404);
  });

  it('makes promotion and price changes visible to every pricing replica through events', async () => {
    const second = await appProcess('pricing', { NATS_URL: p.nats.url, DATABASE_URL: p.databases.pricing.url, PROMOTION_RELOAD_MS: '3600000' });
    await second.start();
    try {
      const list = await createList({});
      const sku = unique('REPL');
      const price = await createPrice({ priceListId: list.id, sku, amount: 1000 });
      const promo = await createPromotion({ discount: { type: 'percentage', percent: 10 }, products: { skus: [sku] } });
      // Requests alternate between the two replicas (one queue group): every quote must see it.
      await waitFor('both replicas to apply the new promotion', async () => {
        const totals = await Promise.all(Array.from({ length: 10 }, () => quote(p.web, { lines: [{ sku, quantity: 1 }] }).then((q) => q.total)));
        return totals.every((t) => t === 900);
      }, 5000, 50);
      await p.admin.patch(`/v1/promotions/${promo.id}`, { status: 'inactive' }, { 'if-match': '"1"' });
      await waitFor('both replicas to drop it', async () => {
        const totals = await Promise.all(Array.from({ length: 10 }, () => quote(p.web, { lines: [{ sku, quantity: 1 }] }).then((q) => q.total)));
        return totals.every((t) => t === 1000);
      }, 5000, 50);
      // Both replicas hold the SKU's price in memory now; a change reaches both through its event.
      await p.admin.patch(`/v1/prices/${price.id}`, { amount: 1200 }, { 'if-match': '"1"' });
      await waitFor('both replicas to quote the new price', async () => {
        const totals = await Promise.all(Array.from({ length: 10 }, () => quote(p.web, { lines: [{ sku, quantity: 1 }] }).then((q) => q.total)));
        return totals.every((t) => t === 1200);
      }, 5000, 50);
    } finally {
      await second.stop();
    }
  });
});

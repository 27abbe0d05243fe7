import { Platform, productBody, startPlatform } from './platform';

describe('products through the gateway (real NATS and PostgreSQL)', () => {
  let p: Platform;

  beforeAll(async () => {
    p = await startPlatform();
  });
  afterAll(async () => {
    await p?.stop();
  });

  it('creates a product that reads back by id, slug and SKU with its version as ETag', async () => {
    const body = productBody();
    const created = await p.admin.post('/v1/products', body);
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^prd_[0-9a-z]{22}$/);
    expect(created.body.version).toBe(1);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.headers.get('location')).toBe(`/v1/products/${created.body.id}`);
    expect(created.body.variants.map((v: { sku: string }) => v.sku)).toEqual(body.variants.map((v: { sku: string }) => v.sku));

    const byId = await p.admin.get(`/v1/products/${created.body.id}`);
    expect(byId.status).toBe(200);
    // The detail adds blocks of other services (availability, price) to the stored product.
    expect(byId.body).toMatchObject(created.body);
    const bySlug = await p.admin.get(`/v1/products/by-slug/${body.slug}`);
    expect(bySlug.body.id).toBe(created.body.id);
    const bySku = await p.admin.get(`/v1/products/by-sku/${body.variants[1].sku}`);
    expect(bySku.body.id).toBe(created.body.id);
    expect(bySku.body.attributes).toEqual({ material: 'linen', weight: { value: 180, unit: 'g' } });
  });

  it('answers 404 for unknown ids, slugs and SKUs', async () => {
    expect((await p.admin.get('/v1/products/prd_0000000000000000000000')).status).toBe(404);
    expect((await p.admin.get('/v1/products/not-an-id')).status).toBe(404);
    expect((await p.admin.get('/v1/products/by-slug/nothing-here')).status).toBe(404);
    const sku = await p.admin.get('/v1/products/by-sku/NOPE-1');
    expect(sku.status).toBe(404);
    expect(sku.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('refuses a duplicate slug or SKU with 409 naming the field, and writes nothing', async () => {
    const first = await p.admin.post('/v1/products', productBody());
    const sameSlug = await p.admin.post('/v1/products', productBody({ slug: first.body.slug }));
    expect(sameSlug.status).toBe(409);
    expect(sameSlug.body.details).toEqual([{ field: 'slug', problem: 'is already used by another product' }]);
    const other = productBody();
    other.variants[1].sku = first.body.variants[0].sku;
    const sameSku = await p.admin.post('/v1/products', other);
    expect(sameSku.status).toBe(409);
    expect(sameSku.body.details[0].field).toBe('variants.1.sku');
    expect((await p.admin.get(`/v1/products/by-slug/${other.slug}`)).status).toBe(404);
    const rows = await p.catalogDb.query<{ n: string }>('select count(*) as n from variants where sku = $1', [other.variants[0].sku]);
    expect(rows[0].n).toBe('0');
  });

  it('updates with If-Match, refuses a stale one with 412 and changes nothing', async () => {
    const created = await p.admin.post('/v1/products', productBody());
    const id = created.body.id;
    const updated = await p.admin.patch(`/v1/products/${id}`, { name: { en: 'Renamed' } }, { 'if-match': '"1"' });
    expect(updated.status).toBe(200);
    expect(updated.body.version).toBe(2);
    expect(updated.body.name).toEqual({ en: 'Renamed' });
    expect(updated.headers.get('etag')).toBe('"2"');

    const stale = await p.admin.patch(`/v1/products/${id}`, { name: { en: 'Lost update' } }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body.details[0].field).toBe('version');
    const missing = await p.admin.patch(`/v1/products/${id}`, { name: { en: 'No precondition' } });
    expect(missing.status).toBe(428);
    const after = await p.admin.get(`/v1/products/${id}`);
    expect(after.body.name).toEqual({ en: 'Renamed' });
    expect(after.body.version).toBe(2);
    const dbRow = await p.catalogDb.query<{ version: number; name: unknown }>('select version, name from products where id = $1', [id]);
    expect(dbRow[0]).toEqual({ version: 2, name: { en: 'Renamed' } });
  });

  it('lets exactly one of 20 concurrent updates with the same version succeed', async () => {
    const created = await p.admin.post('/v1/products', productBody());
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => p.admin.patch(`/v1/products/${created.body.id}`, { name: { en: `Writer ${i}` } }, { 'if-match': '"1"' })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(19);
    const winner = results.find((r) => r.status === 200)!;
    const after = await p.admin.get(`/v1/products/${created.body.id}`);
    expect(after.body.version).toBe(2);
    expect(after.body.name).toEqual(winner.body.name);
  });

  it('replaces variants on update, keeping the ids of SKUs that stay', async () => {
    const body = productBody();
    const created = await p.admin.post('/v1/products', body);
    const keep = created.body.variants[0];
    const updated = await p.admin.patch(`/v1/products/${created.body.id}`, { variants: [{ sku: keep.sku }, { sku: `${keep.sku}-XL` }] }, { 'if-match': '"1"' });
    expect(updated.status).toBe(200);
    expect(updated.body.variants[0].id).toBe(keep.id);
    expect(updated.body.variants.map((v: { sku: string }) => v.sku)).toEqual([keep.sku, `${keep.sku}-XL`]);
    expect((await p.admin.get(`/v1/products/by-sku/${body.variants[1].sku}`)).status).toBe(404);
  });

  it('archives a product: channels no longer see it, archiving twice changes nothing', async () => {
    const created = await p.admin.post('/v1/products', productBody());
    expect((await p.web.get(`/v1/products/${created.body.id}`)).status).toBe(200);
    const archived = await p.admin.post(`/v1/products/${created.body.id}/archive`);
    expect(archived.status).toBe(200);
    expect(archived.body).toMatchObject({ status: 'archived', version: 2 });
    const again = await p.admin.post(`/v1/products/${created.body.id}/archive`);
    expect(again.body.version).toBe(2);
    expect((await p.web.get(`/v1/products/${created.body.id}`)).status).toBe(404);
    expect((await p.admin.get(`/v1/products/${created.body.id}`)).body.status).toBe('archived');
  });

  it('lists with filters and cursor pagination', async () => {
    const tag = `cat-${Date.now().toString(36)}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await p.admin.post('/v1/products', productBody({ categories: [tag], name: { en: i === 2 ? `Special Kettle ${tag}` : `Plain ${tag} ${i}` } }));
      ids.push(res.body.id);
    }
    const page1 = await p.admin.get(`/v1/products?category=${tag}&limit=2`);
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((x: { id: string }) => x.id)).toEqual(ids.slice(0, 2));
    const page2 = await p.admin.get(`/v1/products?category=${tag}&limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((x: { id: string }) => x.id)).toEqual(ids.slice(2, 4));
    const page3 = await p.admin.get(`/v1/products?category=${tag}&limit=2&cursor=${page2.body.nextCursor}`);
    expect(page3.body.items.map((x: { id: string }) => x.id)).toEqual(ids.slice(4));
    expect(page3.body.nextCursor).toBeNull();
    const search = await p.admin.get(`/v1/products?q=kettle&category=${tag}`);
    expect(search.body.items.map((x: { id: string }) => x.id)).toEqual([ids[2]]);
    const badCursor = await p.admin.get('/v1/products?cursor=garbage');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.details[0].field).toBe('cursor');
    const badLimit = await p.admin.get('/v1/products?limit=1000');
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.details[0].field).toBe('limit');
  });

  describe('bad input gets a 4xx naming the field, and writes nothing', () => {
    const cases: [string, () => unknown, string][] = [
      ['an unknown field', () => productBody({ colour: 'red' }), 'colour'],
      ['a wrong type', () => productBody({ name: 'Shirt' }), 'name'],
      ['a wrong nested type', () => productBody({ variants: [{ sku: 42 }] }), 'variants.0.sku'],
      ['an oversized value', () => productBody({ name: { en: 'x'.repeat(201) } }), 'name'],
      ['an oversized list', () => productBody({ categories: Array.from({ length: 21 }, (_, i) => `c${i}`) }), 'categories'],
      ['a missing required field', () => ({ ...productBody(), slug: undefined }), 'slug'],
      ['a bad slug', () => productBody({ slug: 'Not A Slug' }), 'slug'],
      ['a bad media URL', () => productBody({ media: [{ url: 'javascript:alert(1)', kind: 'image' }] }), 'media.0.url'],
      ['a bad attribute', () => productBody({ attributes: { weight: { value: 'heavy' } } }), 'attributes'],
      ['a repeated SKU', () => productBody({ variants: [{ sku: 'DUP-1' }, { sku: 'DUP-1' }] }), 'variants.1.sku'],
      ['archived as a status', () => productBody({ status: 'archived' }), 'status'],
    ];
    it.each(cases)('%s', async (_what, body, field) => {
      const before = await p.catalogDb.query<{ n: string }>('select count(*) as n from products');
      const res = await p.admin.post('/v1/products', body());
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      const after = await p.catalogDb.query<{ n: string }>('select count(*) as n from products');
      expect(after[0].n).toBe(before[0].n);
    });

    it('malformed JSON', async () => {
      const res = await p.admin.post('/v1/products', '{"slug": "x",', {});
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([{ field: 'body', problem: 'is not valid JSON' }]);
    });

    it('a body over the size limit', async () => {
      const res = await p.admin.post('/v1/products', productBody({ description: { en: 'x'.repeat(2 * 1024 * 1024) } }));
      expect(res.status).toBe(413);
      expect(res.body.statusCode).toBe(413);
    });

    it('a malformed If-Match', async () => {
      const created = await p.admin.post('/v1/products', productBody());
      const res = await p.admin.patch(`/v1/products/${created.body.id}`, { name: { en: 'x' } }, { 'if-match': 'yesterday' });
      expect(res.status).toBe(400);
      expect(res.body.details[0].field).toBe('If-Match');
    });
  });

  describe('auth', () => {
    it('needs a valid key', async () => {
      const none = await p.admin.as(undefined).get('/v1/products');
      expect(none.status).toBe(401);
      expect(none.body.message).toMatch(/x-api-key/);
      expect((await p.admin.as('wrong-key').get('/v1/products')).status).toBe(401);
    });

    it('a channel key cannot write', async () => {
      const created = await p.admin.post('/v1/products', productBody());
      expect((await p.web.post('/v1/products', productBody())).status).toBe(403);
      expect((await p.web.patch(`/v1/products/${created.body.id}`, { name: { en: 'x' } }, { 'if-match': '"1"' })).status).toBe(403);
      expect((await p.web.post(`/v1/products/${created.body.id}/archive`)).status).toBe(403);
      expect((await p.admin.get(`/v1/products/${created.body.id}`)).body.version).toBe(1);
    });

    it('a channel key sees only active products sold in its channel', async () => {
      const posOnly = await p.admin.post('/v1/products', productBody({ channels: ['pos'] }));
      const draft = await p.admin.post('/v1/products', productBody({ channels: ['web'], status: 'draft' }));
      const web = await p.admin.post('/v1/products', productBody({ channels: ['web'] }));
      const pos = p.admin.as('dev-pos');
      expect((await p.web.get(`/v1/products/${posOnly.body.id}`)).status).toBe(404);
      expect((await p.web.get(`/v1/products/by-slug/${posOnly.body.slug}`)).status).toBe(404);
      expect((await p.web.get(`/v1/products/by-sku/${posOnly.body.variants[0].sku}`)).status).toBe(404);
      expect((await p.web.get(`/v1/products/${draft.body.id}`)).status).toBe(404);
      expect((await p.web.get(`/v1/products/${web.body.id}`)).status).toBe(200);
      expect((await pos.get(`/v1/products/${posOnly.body.id}`)).status).toBe(200);

      const webList = await p.web.get('/v1/products?limit=100');
      expect(webList.status).toBe(200);
      expect(webList.body.items.every((x: { channels: string[]; status: string }) => x.channels.includes('web') && x.status === 'active')).toBe(true);
      expect(webList.body.items.map((x: { id: string }) => x.id)).not.toContain(posOnly.body.id);
      expect((await p.web.get('/v1/products?channel=pos')).status).toBe(403);
      expect((await p.web.get('/v1/products?status=draft')).status).toBe(403);
    });
  });

  it('carries the caller correlation id to the catalog logs and echoes it', async () => {
    const res = await p.admin.post('/v1/products', productBody(), { 'x-correlation-id': 'checkout-test-4711' });
    expect(res.headers.get('x-correlation-id')).toBe('checkout-test-4711');
    const fresh = await p.admin.get('/v1/products?limit=1');
    expect(fresh.headers.get('x-correlation-id')).toMatch(/^cor_/);
  });

  it('serves health and the OpenAPI document without a key', async () => {
    expect((await fetch(`${p.gateway.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${p.gateway.url}/health/ready`);
    expect(await ready.json()).toMatchObject({ status: 'up', checks: { nats: 'up' } });
    const catalogReady = await fetch(`${p.catalog.url}/health/ready`);
    expect(await catalogReady.json()).toMatchObject({ status: 'up', checks: { nats: 'up', database: 'up' } });
    const doc = (await (await fetch(`${p.gateway.url}/docs/openapi.json`)).json()) as any;
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/products', '/v1/products/{id}', '/v1/products/by-slug/{slug}', '/v1/products/by-sku/{sku}']));
    expect(doc.components.schemas.CreateProductRequest.required).toEqual(['slug', 'name']);
    expect(doc.paths['/v1/products/{id}'].get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/Product');
    expect(doc.components.securitySchemes['api-key']).toMatchObject({ type: 'apiKey', name: 'x-api-key', in: 'header' });
    expect((await fetch(`${p.gateway.url}/docs`)).status).toBe(200);
  });
});

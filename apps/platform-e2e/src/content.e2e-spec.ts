import { ApiClient, appProcess, waitFor } from '@omnibus/testing';
import { Platform, productBody, startPlatform, streamMessages } from './platform';

const STREAM = 'CONTENT_EVENTS';

const doc = (text: string, href?: string) => ({
  type: 'doc',
  children: [{ type: 'paragraph', children: href ? [{ type: 'link', href, children: [{ type: 'text', text }] }] : [{ type: 'text', text, marks: ['bold'] }] }],
});

const BANNER = {
  code: 'banner',
  name: 'Banner',
  fields: [
    { name: 'title', kind: 'text', required: true, localized: true, maxLength: 80 },
    { name: 'body', kind: 'richText', localized: true },
    { name: 'image', kind: 'image' },
    { name: 'placement', kind: 'text', maxLength: 40 },
    { name: 'product', kind: 'productRef' },
    { name: 'related', kind: 'list', of: 'productRef', maxItems: 10 },
    { name: 'gallery', kind: 'list', of: 'image', maxItems: 5 },
  ],
};

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

/** A valid banner entry body with a unique slug. */
function bannerBody(overrides: Record<string, unknown> = {}, fields: Record<string, unknown> = {}): Record<string, any> {
  return {
    type: 'banner',
    slug: `summer-sale-${unique()}`,
    fields: {
      title: { en: 'Summer sale', de: 'Sommerschlussverkauf' },
      body: { en: doc('Everything must go') },
      image: { url: 'https://img.example.com/summer.jpg', alt: 'Beach' },
      placement: 'home',
      ...fields,
    },
    ...overrides,
  };
}

describe('content through the gateway (real NATS and PostgreSQL)', () => {
  let p: Platform;
  let web: ApiClient;
  let app: ApiClient;
  let pos: ApiClient;

  beforeAll(async () => {
    p = await startPlatform({ only: ['catalog', 'content'], serviceEnv: { content: { SCHEDULE_SWEEP_MS: '100' } } });
    web = p.web;
    app = p.admin.as('dev-app');
    pos = p.admin.as('dev-pos');
    const created = await p.admin.post('/v1/content/types', BANNER);
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await p?.stop();
  });

  const contentDb = () => p.databases.content;
  const create = async (body: Record<string, unknown>) => {
    const res = await p.admin.post('/v1/content/entries', body);
    expect(res.status).toBe(201);
    return res.body;
  };
  const publish = async (id: string, body?: Record<string, unknown>) => {
    const res = await p.admin.post(`/v1/content/entries/${id}/publish`, body);
    expect(res.status).toBe(200);
    return res.body;
  };
  const eventsFor = async (entryId: string) => (await streamMessages(p.nats.url, STREAM)).filter((m) => m.event.data.entry.id === entryId);

  it('keeps a draft invisible to channels until it is published, and edits invisible until published again', async () => {
    const entry = await create(bannerBody());
    expect(entry.id).toMatch(/^ent_[0-9a-z]{22}$/);
    expect(entry).toMatchObject({ status: 'draft', published: null, draft: { version: 1, defaultLocale: 'en' } });
    const path = `/v1/content/delivery/banner/${entry.slug}`;
    expect((await web.get(path)).status).toBe(404);
    expect((await app.get(path)).status).toBe(404);
    expect((await p.admin.get(path)).status).toBe(404);
    // Editors preview the draft through the management API.
    const preview = await p.admin.get(`/v1/content/entries/${entry.id}/preview?channel=web`);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ fields: { title: 'Summer sale' }, publishedAt: null, channel: 'web' });

    const published = await publish(entry.id);
    expect(published).toMatchObject({ status: 'published', published: { version: 1, fromDraftVersion: 1, rolledBackFrom: null } });
    const seen = await web.get(path);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ id: entry.id, type: 'banner', slug: entry.slug, version: 1, channel: 'web', variant: null, locale: 'en' });
    expect(seen.body.fields).toEqual({
      title: 'Summer sale',
      body: doc('Everything must go'),
      image: { url: 'https://img.example.com/summer.jpg', alt: 'Beach' },
      placement: 'home',
      product: null,
      related: null,
      gallery: null,
    });

    const edited = await p.admin.patch(`/v1/content/entries/${entry.id}`, { fields: { ...entry.draft.fields, title: { en: 'Winter sale' } } }, { 'if-match': '"1"' });
    expect(edited.status).toBe(200);
    expect(edited.headers.get('etag')).toBe('"2"');
    expect(edited.body.draft.fields.title).toEqual({ en: 'Winter sale' });
    expect(edited.body.published.version).toBe(1);
    expect((await web.get(path)).body.fields.title).toBe('Summer sale');
    expect((await p.admin.get(`/v1/content/entries/${entry.id}`)).body.draft.fields.title).toEqual({ en: 'Winter sale' });

    await publish(entry.id);
    const after = await web.get(path);
    expect(after.body).toMatchObject({ version: 2, fields: { title: 'Winter sale' } });
  });

  it("serves a channel's variant to that channel only, and an entry restricted to channels only there", async () => {
    const entry = await create(bannerBody({ variants: { app: { fields: { title: { en: 'App-only deal' }, placement: 'app-home' } } } }));
    await publish(entry.id);
    const path = `/v1/content/delivery/banner/${entry.slug}`;
    const forApp = await app.get(path);
    expect(forApp.status).toBe(200);
    expect(forApp.body).toMatchObject({ channel: 'app', variant: 'app', fields: { title: 'App-only deal', placement: 'app-home', image: { url: 'https://img.example.com/summer.jpg' } } });
    for (const client of [web, pos]) {
      const other = await client.get(path);
      expect(other.body).toMatchObject({ variant: null, fields: { title: 'Summer sale', placement: 'home' } });
    }
    // Admin reads the default, or previews a channel.
    expect((await p.admin.get(path)).body).toMatchObject({ channel: null, variant: null, fields: { title: 'Summer sale' } });
    expect((await p.admin.get(`${path}?channel=app`)).body).toMatchObject({ channel: 'app', variant: 'app', fields: { title: 'App-only deal' } });
    // A channel key cannot read as another channel.
    const spoof = await web.get(`${path}?channel=app`);
    expect(spoof.status).toBe(403);

    const appOnly = await create(bannerBody({ channels: ['app'] }));
    await publish(appOnly.id);
    expect((await app.get(`/v1/content/delivery/banner/${appOnly.slug}`)).status).toBe(200);
    expect((await web.get(`/v1/content/delivery/banner/${appOnly.slug}`)).status).toBe(404);
  });

  it('falls back de-AT → de → the default locale per field, and says which locale each field was served in', async () => {
    const entry = await create(
      bannerBody({}, { title: { en: 'Summer sale', de: 'Sommerschlussverkauf', 'de-AT': 'Sommeraktion' }, body: { en: doc('English only') } }),
    );
    await publish(entry.id);
    const path = `/v1/content/delivery/banner/${entry.slug}`;
    const austria = await web.get(`${path}?locale=de-AT`);
    expect(austria.body).toMatchObject({ locale: 'de-AT', defaultLocale: 'en', fields: { title: 'Sommeraktion', body: doc('English only') }, fieldLocales: { title: 'de-AT', body: 'en' } });
    const swiss = await web.get(`${path}?locale=de-CH`);
    expect(swiss.body).toMatchObject({ fields: { title: 'Sommerschlussverkauf' }, fieldLocales: { title: 'de', body: 'en' } });
    const french = await web.get(`${path}?locale=fr`);
    expect(french.body).toMatchObject({ locale: 'fr', fields: { title: 'Summer sale' }, fieldLocales: { title: 'en', body: 'en' } });
    const none = await web.get(path);
    expect(none.body).toMatchObject({ locale: 'en', fieldLocales: { title: 'en' } });
    const bad = await web.get(`${path}?locale=german`);
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('locale');
  });

  it("falls back to the entry's own default locale when it is not en", async () => {
    const entry = await create(bannerBody({ defaultLocale: 'de' }, { title: { de: 'Nur Deutsch' } }));
    await publish(entry.id);
    const res = await web.get(`/v1/content/delivery/banner/${entry.slug}?locale=fr-FR`);
    expect(res.body).toMatchObject({ defaultLocale: 'de', fields: { title: 'Nur Deutsch' }, fieldLocales: { title: 'de' } });
  });

  describe('bad input gets a 4xx naming the field, and writes nothing', () => {
    const cases: [string, () => Record<string, unknown>, string][] = [
      ['a translation over maxLength', () => bannerBody({}, { title: { en: 'ok', de: 'x'.repeat(81) } }), 'fields.title.de'],
      ['a bad list item', () => bannerBody({}, { gallery: [{ url: 'https://img.example.com/1.jpg' }, { url: 'https://img.example.com/2.jpg' }, { url: 'ftp://img.example.com/3.jpg' }] }), 'fields.gallery.2.url'],
      ['a javascript: link in rich text', () => bannerBody({}, { body: { en: doc('click', 'javascript:alert(1)') } }), 'fields.body.en.children.0.children.0.href'],
      ['raw HTML as rich text', () => bannerBody({}, { body: { en: '<script>alert(1)</script>' } }), 'fields.body.en'],
      ['a missing required field', () => bannerBody({}, { title: undefined }), 'fields.title.en'],
      ['a field the type does not have', () => bannerBody({}, { colour: 'red' }), 'fields.colour'],
      ['a bad product reference', () => bannerBody({}, { product: { sku: 'not a sku' } }), 'fields.product.sku'],
      ['a bad variant value', () => bannerBody({ variants: { app: { fields: { title: { en: 'x'.repeat(81) } } } } }), 'variants.app.fields.title.en'],
      ['an unknown type', () => bannerBody({ type: 'nonexistent' }), 'type'],
      ['a bad slug', () => bannerBody({ slug: 'Not A Slug' }), 'slug'],
      ['an unknown member', () => bannerBody({ colour: 'red' }), 'colour'],
      ['fields that are not an object', () => bannerBody({ fields: 'title' }), 'fields'],
    ];
    it.each(cases)('%s', async (_what, body, field) => {
      const before = await contentDb().query<{ n: string }>('select count(*) as n from entries');
      const res = await p.admin.post('/v1/content/entries', body());
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      const after = await contentDb().query<{ n: string }>('select count(*) as n from entries');
      expect(after[0].n).toBe(before[0].n);
    });

    it('a bad draft save names the field in the body, and keeps the draft', async () => {
      const entry = await create(bannerBody());
      const res = await p.admin.patch(`/v1/content/entries/${entry.id}`, { fields: { title: { en: 'ok', de: 'x'.repeat(81) } } }, { 'if-match': '"1"' });
      expect(res.status).toBe(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['fields.title.de']);
      const stored = await p.admin.get(`/v1/content/entries/${entry.id}`);
      expect(stored.body.draft).toMatchObject({ version: 1, fields: { title: { en: 'Summer sale' } } });
    });

    it('a duplicate slug within the type is 409', async () => {
      const entry = await create(bannerBody());
      const res = await p.admin.post('/v1/content/entries', bannerBody({ slug: entry.slug }));
      expect(res.status).toBe(409);
      expect(res.body.details).toEqual([{ field: 'slug', problem: 'is already used by another entry of this type' }]);
    });

    it('a publication time in the past', async () => {
      const entry = await create(bannerBody());
      const res = await p.admin.post(`/v1/content/entries/${entry.id}/publish`, { publishAt: '2020-01-01T00:00:00Z' });
      expect(res.status).toBe(400);
      expect(res.body.details[0].field).toBe('publishAt');
      const notADate = await p.admin.post(`/v1/content/entries/${entry.id}/publish`, { publishAt: 'tomorrow' });
      expect(notADate.status).toBe(400);
      expect(notADate.body.details[0].field).toBe('publishAt');
      expect((await p.admin.get(`/v1/content/entries/${entry.id}`)).body).toMatchObject({ status: 'draft', schedule: null });
    });

    it('bad type definitions', async () => {
      const noItemKind = await p.admin.post('/v1/content/types', { code: `t-${unique()}`, name: 'T', fields: [{ name: 'tags', kind: 'list' }] });
      expect(noItemKind.status).toBe(400);
      expect(noItemKind.body.details[0].field).toBe('fields.0.of');
      const badKind = await p.admin.post('/v1/content/types', { code: `t-${unique()}`, name: 'T', fields: [{ name: 'x', kind: 'html' }] });
      expect(badKind.status).toBe(400);
      expect(badKind.body.details[0].field).toBe('fields.0.kind');
      const taken = await p.admin.post('/v1/content/types', BANNER);
      expect(taken.status).toBe(409);
      expect(taken.body.details[0].field).toBe('code');
    });

    it('bad delivery queries', async () => {
      const filter = await web.get('/v1/content/delivery/banner?filter=title:Sale');
      expect(filter.status).toBe(400);
      expect(filter.body.details[0].field).toBe('filter');
      const limit = await web.get('/v1/content/delivery/banner?limit=1000');
      expect(limit.status).toBe(400);
      expect(limit.body.details[0].field).toBe('limit');
      const resolve = await web.get('/v1/content/delivery/banner?resolve=everything');
      expect(resolve.status).toBe(400);
      expect(resolve.body.details[0].field).toBe('resolve');
      expect((await web.get('/v1/content/delivery/no-such-type')).status).toBe(404);
    });
  });

  it('lets exactly one of 10 concurrent draft saves with the same If-Match succeed; a stale or missing one is refused', async () => {
    const entry = await create(bannerBody());
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => p.admin.patch(`/v1/content/entries/${entry.id}`, { fields: { title: { en: `Writer ${i}` } } }, { 'if-match': '"1"' })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 412)).toHaveLength(9);
    const winner = results.find((r) => r.status === 200)!;
    const stored = await p.admin.get(`/v1/content/entries/${entry.id}`);
    expect(stored.body.draft).toMatchObject({ version: 2, fields: winner.body.draft.fields });
    expect(results.find((r) => r.status === 412)!.body.details[0].field).toBe('version');
    expect((await p.admin.patch(`/v1/content/entries/${entry.id}`, { fields: {} })).status).toBe(428);
  });

  it('makes one version and one event of concurrent publishes of the same draft', async () => {
    const entry = await create(bannerBody());
    const results = await Promise.all(Array.from({ length: 10 }, () => p.admin.post(`/v1/content/entries/${entry.id}/publish`)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const history = await p.admin.get(`/v1/content/entries/${entry.id}/versions`);
    expect(history.body.items.map((v: { version: number }) => v.version)).toEqual([1]);
    // Publishing only if the draft is still what the editor reviewed.
    const stale = await p.admin.post(`/v1/content/entries/${entry.id}/publish`, {}, { 'if-match': '"7"' });
    expect(stale.status).toBe(412);
    await waitFor('the published event', async () => ((await eventsFor(entry.id)).length >= 1 ? true : undefined));
    const rows = await contentDb().query<{ n: string }>("select count(*) as n from outbox where subject = 'content.entry.published' and envelope -> 'data' -> 'entry' ->> 'id' = $1", [entry.id]);
    expect(rows[0].n).toBe('1');
  });

  it('keeps the history of published versions and rolls back by publishing an earlier one again', async () => {
    const entry = await create(bannerBody());
    await publish(entry.id);
    await p.admin.patch(`/v1/content/entries/${entry.id}`, { fields: { title: { en: 'Second' } } }, { 'if-match': '"1"' });
    await publish(entry.id);
    const path = `/v1/content/delivery/banner/${entry.slug}`;
    expect((await web.get(path)).body).toMatchObject({ version: 2, fields: { title: 'Second' } });

    const rolled = await p.admin.post(`/v1/content/entries/${entry.id}/rollback`, { version: 1 });
    expect(rolled.status).toBe(200);
    expect(rolled.body.published).toMatchObject({ version: 3, rolledBackFrom: 1, fromDraftVersion: null });
    expect(rolled.body.draft).toMatchObject({ version: 2, fields: { title: { en: 'Second' } } });
    expect((await web.get(path)).body).toMatchObject({ version: 3, fields: { title: 'Summer sale' } });
    // Rolling back to what is already published changes nothing.
    const again = await p.admin.post(`/v1/content/entries/${entry.id}/rollback`, { version: 1 });
    expect(again.body.published.version).toBe(3);

    const history = await p.admin.get(`/v1/content/entries/${entry.id}/versions`);
    expect(history.body.currentVersion).toBe(3);
    expect(history.body.items.map((v: { version: number; rolledBackFrom: number | null }) => [v.version, v.rolledBackFrom])).toEqual([
      [3, 1],
      [2, null],
      [1, null],
    ]);
    expect(history.body.items[1].fields.title).toEqual({ en: 'Second' });

    const missing = await p.admin.post(`/v1/content/entries/${entry.id}/rollback`, { version: 99 });
    expect(missing.status).toBe(404);
    expect(missing.body.details[0].field).toBe('version');

    const events = await waitFor('three published events', async () => {
      const found = await eventsFor(entry.id);
      return found.length >= 3 ? found : undefined;
    });
    expect(events.map((e) => [e.subject, e.event.data.entry.version])).toEqual([
      ['content.entry.published', 1],
      ['content.entry.published', 2],
      ['content.entry.published', 3],
    ]);
    expect(events[2].event.data.entry).toMatchObject({ type: 'banner', slug: entry.slug, rolledBackFrom: 1, fields: { title: { en: 'Summer sale' } } });
    for (const e of events) {
      expect(e.msgId).toBe(e.event.id);
      expect(e.event).toMatchObject({ type: e.subject, version: 1, source: 'content' });
    }
  });

  it('unpublishes: channels stop seeing the entry, one event however often it is asked', async () => {
    const entry = await create(bannerBody());
    await publish(entry.id);
    const path = `/v1/content/delivery/banner/${entry.slug}`;
    expect((await web.get(path)).status).toBe(200);
    const first = await p.admin.post(`/v1/content/entries/${entry.id}/unpublish`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'draft', published: null });
    await p.admin.post(`/v1/content/entries/${entry.id}/unpublish`);
    expect((await web.get(path)).status).toBe(404);
    const events = await waitFor('published and unpublished events', async () => {
      const found = await eventsFor(entry.id);
      return found.some((e) => e.subject === 'content.entry.unpublished') ? found : undefined;
    });
    expect(events.map((e) => e.subject)).toEqual(['content.entry.published', 'content.entry.unpublished']);
    expect(events[1].event.data.entry).toMatchObject({ id: entry.id, type: 'banner', slug: entry.slug, version: 1 });
    // Publishing again makes a new version.
    expect((await publish(entry.id)).published.version).toBe(2);
  });

  it('publishes a scheduled draft when it is due, as it was when scheduled', async () => {
    const entry = await create(bannerBody());
    const path = `/v1/content/delivery/banner/${entry.slug}`;
    const publishAt = new Date(Date.now() + 1500).toISOString();
    const scheduled = await publish(entry.id, { publishAt });
    expect(scheduled).toMatchObject({ status: 'draft', schedule: { publishAt, draftVersion: 1 } });
    // Editing after scheduling does not change what is published at that time.
    await p.admin.patch(`/v1/content/entries/${entry.id}`, { fields: { title: { en: 'Not yet reviewed' } } }, { 'if-match': '"1"' });
    expect((await web.get(path)).status).toBe(404);
    const seen = await waitFor('the scheduled publication', async () => {
      const res = await web.get(path);
      return res.status === 200 ? res.body : undefined;
    }, 30_000, 100);
    expect(seen.fields.title).toBe('Summer sale');
    expect(Date.parse(seen.publishedAt)).toBeGreaterThanOrEqual(Date.parse(publishAt));
    const after = await p.admin.get(`/v1/content/entries/${entry.id}`);
    expect(after.body).toMatchObject({ status: 'published', schedule: null, published: { version: 1, fromDraftVersion: 1 }, draft: { version: 2 } });
    const history = await p.admin.get(`/v1/content/entries/${entry.id}/versions`);
    expect(history.body.items).toHaveLength(1);
    expect(history.body.items[0].scheduled).toBe(true);
  });

  it('publishes each due entry exactly once while two replicas sweep', async () => {
    const second = await appProcess('content', { NATS_URL: p.nats.url, DATABASE_URL: contentDb().url, SCHEDULE_SWEEP_MS: '50' });
    await second.start();
    try {
      const publishAt = new Date(Date.now() + 3000).toISOString();
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const entry = await create(bannerBody());
        await publish(entry.id, { publishAt });
        ids.push(entry.id);
      }
      await waitFor('every scheduled entry to be published', async () => {
        const rows = await contentDb().query<{ n: string }>('select count(*) as n from entries where id = any($1) and published_version is not null and publish_at is null', [ids]);
        return rows[0].n === '20';
      }, 30_000);
      const versions = await contentDb().query<{ entry_id: string; n: string }>('select entry_id, count(*) as n from entry_versions where entry_id = any($1) group by entry_id', [ids]);
      expect(versions).toHaveLength(20);
      expect(versions.every((v) => v.n === '1')).toBe(true);
      const events = await contentDb().query<{ n: string }>("select count(*) as n from outbox where subject = 'content.entry.published' and envelope -> 'data' -> 'entry' ->> 'id' = any($1)", [ids]);
      expect(events[0].n).toBe('20');
    } finally {
      await second.stop();
    }
  });

  it('cancels a scheduled publication', async () => {
    const entry = await create(bannerBody());
    await publish(entry.id, { publishAt: new Date(Date.now() + 3_600_000).toISOString() });
    const listed = await p.admin.get('/v1/content/entries?status=scheduled&limit=100');
    expect(listed.body.items.map((e: { id: string }) => e.id)).toContain(entry.id);
    const cancelled = await p.admin.post(`/v1/content/entries/${entry.id}/unschedule`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.schedule).toBeNull();
    const rows = await contentDb().query<{ publish_at: string | null }>('select publish_at from entries where id = $1', [entry.id]);
    expect(rows[0].publish_at).toBeNull();
  });

  it('resolves product references through the catalog only as far as the channel may see them', async () => {
    const active = (await p.admin.post('/v1/products', productBody())).body; // active, web + app
    const draft = (await p.admin.post('/v1/products', productBody({ status: 'draft' }))).body;
    const posOnly = (await p.admin.post('/v1/products', productBody({ channels: ['pos'] }))).body;
    const sku = (product: { variants: { sku: string }[] }) => product.variants[0].sku;
    const entry = await create(bannerBody({}, { product: { sku: sku(active) }, related: [{ sku: sku(draft) }, { sku: sku(posOnly) }, { sku: 'NO-SUCH-SKU' }] }));
    await publish(entry.id);
    const path = `/v1/content/delivery/banner/${entry.slug}`;

    const plain = await web.get(path);
    expect(plain.body.fields.product).toEqual({ sku: sku(active) });

    const resolved = await web.get(`${path}?resolve=products`);
    expect(resolved.status).toBe(200);
    expect(resolved.body.fields.product.sku).toBe(sku(active));
    expect(resolved.body.fields.product.product.id).toBe(active.id);
    expect(resolved.body.fields.related).toEqual([
      { sku: sku(draft), product: null, unresolved: 'not-available' },
      { sku: sku(posOnly), product: null, unresolved: 'not-available' },
      { sku: 'NO-SUCH-SKU', product: null, unresolved: 'not-available' },
    ]);

    const forPos = await pos.get(`${path}?resolve=products`);
    expect(forPos.body.fields.product).toEqual({ sku: sku(active), product: null, unresolved: 'not-available' });
    expect(forPos.body.fields.related[1].product.id).toBe(posOnly.id);

    const forAdmin = await p.admin.get(`${path}?resolve=products`);
    expect(forAdmin.body.fields.related[0].product.id).toBe(draft.id);
    expect(forAdmin.body.fields.related[2]).toEqual({ sku: 'NO-SUCH-SKU', product: null, unresolved: 'not-found' });
  });

  it('lists published entries of a type with filters, in the channel variant, page by page', async () => {
    const tag = `list-${unique()}`;
    const bodies = [
      bannerBody({ slug: `${tag}-a` }, { placement: tag }),
      bannerBody({ slug: `${tag}-b` }, { placement: tag }),
      bannerBody({ slug: `${tag}-c` }, { placement: 'elsewhere' }),
      bannerBody({ slug: `${tag}-d`, variants: { app: { fields: { placement: tag } } } }, { placement: 'elsewhere' }),
      bannerBody({ slug: `${tag}-e` }, { placement: tag }), // never published
    ];
    for (const [i, body] of bodies.entries()) {
      const entry = await create(body);
      if (i < 4) await publish(entry.id);
    }
    const slugs = (res: { body: { items: { slug: string }[] } }) => res.body.items.map((e) => e.slug);
    expect(slugs(await web.get(`/v1/content/delivery/banner?filter=placement:${tag}`))).toEqual([`${tag}-a`, `${tag}-b`]);
    expect(slugs(await app.get(`/v1/content/delivery/banner?filter=placement:${tag}`))).toEqual([`${tag}-a`, `${tag}-b`, `${tag}-d`]);
    const page1 = await app.get(`/v1/content/delivery/banner?filter=placement:${tag}&limit=2&locale=de`);
    expect(slugs(page1)).toEqual([`${tag}-a`, `${tag}-b`]);
    expect(page1.body.items[0]).toMatchObject({ locale: 'de', fields: { title: 'Sommerschlussverkauf' } });
    const page2 = await app.get(`/v1/content/delivery/banner?filter=placement:${tag}&limit=2&cursor=${page1.body.nextCursor}`);
    expect(slugs(page2)).toEqual([`${tag}-d`]);
    expect(page2.body.nextCursor).toBeNull();
  });

  it('refuses type changes that would invalidate entries; other changes apply from the next save', async () => {
    const code = `story-${unique()}`;
    const type = await p.admin.post('/v1/content/types', {
      code,
      name: 'Product story',
      fields: [
        { name: 'headline', kind: 'text', required: true, localized: true },
        { name: 'subtitle', kind: 'text' },
        { name: 'unused', kind: 'text' },
      ],
    });
    expect(type.headers.get('etag')).toBe('"1"');
    const entry = await create({ type: code, slug: 'linen', fields: { headline: { en: 'Linen' }, subtitle: 'Cool in summer' } });
    await publish(entry.id);
    const fields = type.body.fields;

    const removes = await p.admin.patch(`/v1/content/types/${code}`, { fields: [fields[0], fields[2]] }, { 'if-match': '"1"' });
    expect(removes.status).toBe(409);
    expect(removes.body.details).toEqual([{ field: 'fields', problem: expect.stringMatching(/removes the field "subtitle", which 1 entry still uses/) }]);
    const reshapes = await p.admin.patch(`/v1/content/types/${code}`, { fields: [fields[0], { ...fields[1], localized: true }, fields[2]] }, { 'if-match': '"1"' });
    expect(reshapes.status).toBe(409);
    expect(reshapes.body.details[0].field).toBe('fields.1.localized');
    expect((await p.admin.get(`/v1/content/types/${code}`)).body.version).toBe(1);

    // Removing an unused field and adding a required one is allowed…
    const changed = await p.admin.patch(`/v1/content/types/${code}`, { fields: [fields[0], fields[1], { name: 'cta', kind: 'text', required: true }] }, { 'if-match': '"1"' });
    expect(changed.status).toBe(200);
    expect(changed.body.version).toBe(2);
    expect((await p.admin.patch(`/v1/content/types/${code}`, { name: 'Stale' }, { 'if-match': '"1"' })).status).toBe(412);
    expect((await p.admin.patch(`/v1/content/types/${code}`, { name: 'No precondition' })).status).toBe(428);
    // …the published version is served as it was published, with the fields of the type version it was published with…
    const served = await web.get(`/v1/content/delivery/${code}/linen`);
    expect(served.status).toBe(200);
    expect(served.body.fields).toEqual({ headline: 'Linen', subtitle: 'Cool in summer', unused: null });
    // …and the draft must satisfy the new rule at its next publish.
    const republish = await p.admin.post(`/v1/content/entries/${entry.id}/publish`);
    expect(republish.status).toBe(400);
    expect(republish.body.details).toEqual([{ field: 'fields.cta', problem: 'is required' }]);
  });

  it('keeps management to admin keys', async () => {
    expect((await web.get('/v1/content/types')).status).toBe(403);
    expect((await web.post('/v1/content/entries', bannerBody())).status).toBe(403);
    expect((await p.admin.as(undefined).get('/v1/content/delivery/banner')).status).toBe(401);
    expect((await p.admin.get('/v1/content/types')).body.items.map((t: { code: string }) => t.code)).toContain('banner');
  });

  it('documents every content route in the OpenAPI document', async () => {
    const res = await p.admin.as(undefined).get('/docs/openapi.json');
    const paths = Object.keys(res.body.paths);
    for (const path of [
      '/v1/content/types',
      '/v1/content/types/{code}',
      '/v1/content/entries',
      '/v1/content/entries/{id}',
      '/v1/content/entries/{id}/publish',
      '/v1/content/entries/{id}/unschedule',
      '/v1/content/entries/{id}/unpublish',
      '/v1/content/entries/{id}/rollback',
      '/v1/content/entries/{id}/versions',
      '/v1/content/entries/{id}/preview',
      '/v1/content/delivery/{type}',
      '/v1/content/delivery/{type}/{slug}',
    ]) {
      expect(paths).toContain(path);
    }
    expect(Object.keys(res.body.components.schemas)).toEqual(expect.arrayContaining(['CreateEntryRequest', 'DeliveredEntry', 'ContentEntry', 'CreateContentTypeRequest']));
  });
});

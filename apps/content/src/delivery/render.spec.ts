import { ContentField } from '@omnibus/contracts';
import { localeChain, referencedSkus, render, shownIn, withResolvedProducts } from './render';

const defs: ContentField[] = [
  { name: 'title', kind: 'text', required: true, localized: true },
  { name: 'cta', kind: 'text', required: false, localized: true },
  { name: 'placement', kind: 'text', required: false, localized: false },
  { name: 'product', kind: 'productRef', required: false, localized: false },
  { name: 'related', kind: 'list', of: 'productRef', required: false, localized: false },
];
const source = {
  fields: { title: { en: 'Sale', de: 'Angebot', 'de-AT': 'Aktion' }, cta: { en: 'Shop now' }, placement: 'home', product: { sku: 'A-1' }, related: [{ sku: 'B-1' }, { sku: 'A-1' }] },
  variants: { app: { fields: { title: { en: 'App sale' }, placement: 'app-home' } } },
  channels: [],
  defaultLocale: 'en',
};

describe('delivery rendering', () => {
  it('falls back de-AT → de → the default locale, without repeats', () => {
    expect(localeChain('de-AT', 'en')).toEqual(['de-AT', 'de', 'en']);
    expect(localeChain('de', 'en-GB')).toEqual(['de', 'en-GB', 'en']);
    expect(localeChain(undefined, 'en')).toEqual(['en']);
  });

  it('serves each localized field in the first locale of the chain that has it, and says which', () => {
    const r = render(source, defs, { locale: 'de-CH' });
    expect(r.fields['title']).toBe('Angebot');
    expect(r.fields['cta']).toBe('Shop now');
    expect(r.fieldLocales).toEqual({ title: 'de', cta: 'en' });
    expect(r.locale).toBe('de-CH');
    expect(render(source, defs, { locale: 'de-AT' }).fields['title']).toBe('Aktion');
  });

  it("merges the channel's variant over the default for that channel only, a field as a whole", () => {
    const app = render(source, defs, { channel: 'app', locale: 'de' });
    expect(app.variant).toBe('app');
    // The app title has no German: it falls back within the variant's value, never to the web title.
    expect(app.fields['title']).toBe('App sale');
    expect(app.fieldLocales['title']).toBe('en');
    expect(app.fields['placement']).toBe('app-home');
    expect(app.fields['cta']).toBe('Shop now');
    const web = render(source, defs, { channel: 'web', locale: 'de' });
    expect(web.variant).toBeNull();
    expect(web.fields['title']).toBe('Angebot');
    expect(web.fields['placement']).toBe('home');
  });

  it('gives every field of the type, null when it has no value', () => {
    const r = render({ ...source, fields: { title: { en: 'x' } } }, defs, {});
    expect(r.fields).toEqual({ title: 'x', cta: null, placement: null, product: null, related: null });
    expect(r.fieldLocales['cta']).toBeNull();
  });

  it('shows an entry restricted to channels only there', () => {
    expect(shownIn({ ...source, channels: ['app'] }, 'app')).toBe(true);
    expect(shownIn({ ...source, channels: ['app'] }, 'web')).toBe(false);
    expect(shownIn({ ...source, channels: ['app'] }, undefined)).toBe(true);
    expect(shownIn(source, 'pos')).toBe(true);
  });

  it('finds and replaces product references, in lists too', () => {
    const r = render(source, defs, {});
    expect(referencedSkus(r.fields, defs)).toEqual(['A-1', 'B-1']);
    const resolved = new Map([
      ['A-1', { sku: 'A-1', product: null, unresolved: 'not-available' as const }],
      ['B-1', { sku: 'B-1', product: { id: 'prd_x' } as never }],
    ]);
    const out = withResolvedProducts(r.fields, defs, resolved);
    expect(out['product']).toEqual({ sku: 'A-1', product: null, unresolved: 'not-available' });
    expect((out['related'] as unknown[]).map((x) => (x as { sku: string }).sku)).toEqual(['B-1', 'A-1']);
    expect(r.fields['product']).toEqual({ sku: 'A-1' });
  });
});

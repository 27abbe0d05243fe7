import { ContentField } from '@omnibus/contracts';
import { draftProblems, fieldValuesProblems, normalizeDraft } from './field-values';

const fields: ContentField[] = [
  { name: 'title', kind: 'text', required: true, localized: true, maxLength: 20 },
  { name: 'placement', kind: 'text', required: false, localized: false },
  { name: 'body', kind: 'richText', required: false, localized: true },
  { name: 'hero', kind: 'image', required: false, localized: false },
  { name: 'product', kind: 'productRef', required: false, localized: false },
  { name: 'category', kind: 'categoryRef', required: false, localized: false },
  { name: 'gallery', kind: 'list', of: 'image', maxItems: 3, required: false, localized: false },
];
const type = { code: 'banner', fields };
const valid = {
  title: { en: 'Summer sale', de: 'Sommerschlussverkauf' },
  placement: 'home',
  body: { en: { type: 'doc', children: [{ type: 'paragraph', children: [{ type: 'text', text: 'Hi' }] }] } },
  hero: { url: 'https://img.example.com/a.jpg', alt: 'Beach' },
  product: { sku: 'SHIRT-1' },
  category: { code: 'shirts' },
  gallery: [{ url: 'https://img.example.com/1.jpg' }],
};
const draft = (over: Record<string, unknown> = {}, rest: Partial<Parameters<typeof draftProblems>[0]> = {}) => ({ fields: { ...valid, ...over }, variants: {}, channels: [], defaultLocale: 'en', ...rest });
const fieldsOf = (d: ReturnType<typeof draft>) => draftProblems(d, type).map((p) => p.field);

describe('entry values against their type', () => {
  it('accepts a valid draft', () => {
    expect(draftProblems(draft(), type)).toEqual([]);
  });

  it.each([
    ['a missing required field (named in the default locale)', { title: undefined }, 'fields.title.en'],
    ['a required field missing in the default locale only', { title: { de: 'Nur deutsch' } }, 'fields.title.en'],
    ['a translation too long', { title: { en: 'ok', de: 'x'.repeat(21) } }, 'fields.title.de'],
    ['a bad locale', { title: { en: 'ok', german: 'x' } }, 'fields.title.german'],
    ['a localized field given as plain text', { title: 'Summer' }, 'fields.title'],
    ['a non-localized field given per locale', { placement: { en: 'home' } }, 'fields.placement'],
    ['an unknown field', { colour: 'red' }, 'fields.colour'],
    ['an image URL that is not http(s)', { hero: { url: 'javascript:alert(1)' } }, 'fields.hero.url'],
    ['an extra member of an image', { hero: { url: 'https://img.example.com/a.jpg', onload: 'x' } }, 'fields.hero.onload'],
    ['a bad SKU', { product: { sku: 'has space' } }, 'fields.product.sku'],
    ['a bad category code', { category: { code: 'Not A Code' } }, 'fields.category.code'],
    ['a bad list item', { gallery: [{ url: 'https://img.example.com/1.jpg' }, { url: 'https://img.example.com/2.jpg' }, { url: 'ftp://x/y' }] }, 'fields.gallery.2.url'],
    ['a list too long', { gallery: Array.from({ length: 4 }, () => ({ url: 'https://img.example.com/1.jpg' })) }, 'fields.gallery'],
    ['rich text with a bad link', { body: { en: { type: 'doc', children: [{ type: 'paragraph', children: [{ type: 'link', href: 'javascript:x', children: [{ type: 'text', text: 'x' }] }] }] } } }, 'fields.body.en.children.0.children.0.href'],
  ])('refuses %s', (_what, over, field) => {
    expect(fieldsOf(draft(over))).toContain(field);
  });

  it('accepts a blank optional and refuses a blank required text', () => {
    expect(fieldsOf(draft({ placement: '' }))).toEqual([]);
    expect(fieldsOf(draft({ title: { en: '  ' } }))).toEqual(['fields.title.en']);
  });

  it('checks channel variants as partial values of known channels', () => {
    expect(draftProblems(draft({}, { variants: { app: { fields: { title: { en: 'App only' } } } } }), type)).toEqual([]);
    // A variant need not repeat required fields, but what it has must fit.
    expect(draftProblems(draft({}, { variants: { app: { fields: { placement: 'app-home' } } } }), type)).toEqual([]);
    expect(fieldsOf(draft({}, { variants: { app: { fields: { title: { en: 'x'.repeat(21) } } } } }))).toEqual(['variants.app.fields.title.en']);
    expect(fieldsOf(draft({}, { variants: { 'App Store': { fields: {} } } }))).toEqual(['variants.App Store']);
    expect(fieldsOf(draft({}, { variants: { app: { title: 'x' } } as never }))).toEqual(['variants.app']);
    expect(fieldsOf(draft({}, { channels: ['web'], variants: { app: { fields: {} } } }))).toEqual(['variants.app']);
  });

  it('drops nulls: null means no value', () => {
    const normalized = normalizeDraft(draft({ placement: null, title: { en: 'Sale', de: null } }));
    expect(normalized.fields['placement']).toBeUndefined();
    expect(normalized.fields['title']).toEqual({ en: 'Sale' });
    expect(draftProblems(normalized, type)).toEqual([]);
  });

  it('reports a value that is not an object of fields', () => {
    expect(fieldValuesProblems('x', fields, { path: 'fields', typeCode: 'banner', defaultLocale: 'en', partial: false })).toEqual([{ field: 'fields', problem: 'must be an object of field name → value' }]);
  });
});

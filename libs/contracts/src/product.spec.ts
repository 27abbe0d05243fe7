import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CreateProductRequest, attributesProblem, isId, localizedTextProblem, newId } from './index';

const problemsOf = (body: unknown) =>
  validateSync(plainToInstance(CreateProductRequest, body), { whitelist: true, forbidNonWhitelisted: true }).map((e) => e.property);

describe('ids', () => {
  it('are prefixed, well-formed and sort by creation time', async () => {
    const a = newId('prd');
    await new Promise((r) => setTimeout(r, 2));
    const b = newId('prd');
    expect(isId(a, 'prd')).toBe(true);
    expect(isId(a, 'ord')).toBe(false);
    expect(a < b).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, () => newId('evt'))).size).toBe(1000);
  });
});

describe('localized text', () => {
  it('accepts locales like en and de-DE', () => {
    expect(localizedTextProblem({ en: 'Shirt', 'de-DE': 'Hemd' }, 200, true)).toBeNull();
  });
  it.each([
    ['not an object', 'Shirt', /must be an object/],
    ['an empty object when required', {}, /at least one locale/],
    ['a bad locale', { english: 'x' }, /locale "english"/],
    ['a non-string', { en: 5 }, /\.en must be a string/],
    ['a blank required text', { en: '  ' }, /must not be empty/],
    ['a too long text', { en: 'x'.repeat(201) }, /at most 200/],
  ])('refuses %s', (_what, value, problem) => {
    expect(localizedTextProblem(value, 200, true)).toMatch(problem);
  });
});

describe('attributes', () => {
  it('accepts strings, numbers, booleans, string lists and {value, unit}', () => {
    expect(attributesProblem({ material: 'linen', organic: true, threads: 120, sizes: ['S', 'M'], weight: { value: 1.5, unit: 'kg' } })).toBeNull();
  });
  it.each([
    ['a nested object', { dims: { w: 1 } }],
    ['a bad name', { '1st': 'x' }],
    ['a non-finite number', { n: Number.POSITIVE_INFINITY }],
    ['a unit without value', { weight: { unit: 'kg' } }],
    ['a list of numbers', { sizes: [1, 2] }],
  ])('refuses %s', (_what, value) => {
    expect(attributesProblem(value)).not.toBeNull();
  });
  it('refuses more than 16 KB', () => {
    expect(attributesProblem({ text: 'x'.repeat(17_000) })).toMatch(/16 KB/);
  });
});

describe('CreateProductRequest', () => {
  const valid = { slug: 'linen-shirt', name: { en: 'Linen shirt' }, variants: [{ sku: 'SHIRT-1' }], media: [{ url: 'https://img.example.com/a.jpg', kind: 'image' }] };

  it('accepts a valid product', () => {
    expect(problemsOf(valid)).toEqual([]);
  });
  it.each([
    ['slug', { ...valid, slug: 'Linen Shirt' }],
    ['slug', { ...valid, slug: 'a--b' }],
    ['name', { ...valid, name: undefined }],
    ['status', { ...valid, status: 'archived' }],
    ['channels', { ...valid, channels: ['Web Shop'] }],
    ['channels', { ...valid, channels: ['web', 'web'] }],
    ['variants', { ...valid, variants: [{ sku: 'has space' }] }],
    ['media', { ...valid, media: [{ url: 'ftp://x/y', kind: 'image' }] }],
    ['media', { ...valid, media: [{ url: 'https://x.example/y', kind: 'audio' }] }],
    ['unknown', { ...valid, unknown: 1 }],
  ])('refuses a bad %s', (field, body) => {
    expect(problemsOf(body)).toContain(field);
  });
});

import { ContentField } from '@omnibus/contracts';
import { fieldDefinitionProblems, normalizeFieldDefinitions, shapeChanges } from './field-definitions';

describe('field definitions', () => {
  it('fills defaults', () => {
    expect(normalizeFieldDefinitions([{ name: 'title', kind: 'text' }])).toEqual([{ name: 'title', kind: 'text', required: false, localized: false }]);
  });

  it('finds rules across members, naming the field', () => {
    expect(
      fieldDefinitionProblems([
        { name: 'a', kind: 'text' },
        { name: 'a', kind: 'image' },
        { name: 'b', kind: 'list' },
        { name: 'c', kind: 'image', of: 'text', maxItems: 3, maxLength: 5 },
        { name: 'd', kind: 'list', of: 'text', maxLength: 5 },
      ]).map((p) => p.field),
    ).toEqual(['fields.1.name', 'fields.2.of', 'fields.3.of', 'fields.3.maxItems', 'fields.3.maxLength']);
  });

  it('lists changes that reshape stored values, not tightened limits', () => {
    const before: ContentField[] = [
      { name: 'title', kind: 'text', required: false, localized: true },
      { name: 'hero', kind: 'image', required: false, localized: false },
      { name: 'tags', kind: 'list', of: 'text', required: false, localized: false },
      { name: 'note', kind: 'text', required: false, localized: false },
    ];
    const after: ContentField[] = [
      { name: 'title', kind: 'text', required: true, localized: true, maxLength: 10 },
      { name: 'hero', kind: 'text', required: false, localized: false },
      { name: 'tags', kind: 'list', of: 'categoryRef', required: false, localized: false },
    ];
    expect(shapeChanges(before, after).map((c) => [c.name, c.field])).toEqual([
      ['hero', 'fields.1.kind'],
      ['tags', 'fields.2.of'],
      ['note', 'fields'],
    ]);
    expect(shapeChanges(before, [{ ...before[0], localized: false }, ...before.slice(1)]).map((c) => c.field)).toEqual(['fields.0.localized']);
  });
});

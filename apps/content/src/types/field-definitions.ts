import { ContentField, ContentFieldDefinition, FieldProblem } from '@omnibus/contracts';

/** Rules across the members of field definitions, which the contract's decorators cannot see. */
export function fieldDefinitionProblems(fields: ContentFieldDefinition[], path = 'fields'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Map<string, number>();
  fields.forEach((f, i) => {
    const at = `${path}.${i}`;
    const first = seen.get(f.name);
    if (first !== undefined) problems.push({ field: `${at}.name`, problem: `repeats the field name "${f.name}" of ${path}.${first}` });
    else seen.set(f.name, i);
    if (f.kind === 'list' && f.of === undefined) problems.push({ field: `${at}.of`, problem: 'is required for a list: the kind of its items' });
    if (f.kind !== 'list' && f.of !== undefined) problems.push({ field: `${at}.of`, problem: 'applies to lists only' });
    if (f.kind !== 'list' && f.maxItems !== undefined) problems.push({ field: `${at}.maxItems`, problem: 'applies to lists only' });
    const holdsText = f.kind === 'text' || (f.kind === 'list' && f.of === 'text');
    if (!holdsText && f.maxLength !== undefined) problems.push({ field: `${at}.maxLength`, problem: 'applies to text fields and lists of text only' });
  });
  return problems;
}

/** Field definitions with their defaults filled in, as stored and returned. */
export function normalizeFieldDefinitions(fields: ContentFieldDefinition[]): ContentField[] {
  return fields.map((f) => ({
    name: f.name,
    kind: f.kind,
    required: f.required ?? false,
    localized: f.localized ?? false,
    ...(f.maxLength !== undefined ? { maxLength: f.maxLength } : {}),
    ...(f.of !== undefined ? { of: f.of } : {}),
    ...(f.maxItems !== undefined ? { maxItems: f.maxItems } : {}),
  }));
}

/** A change of a type that would change the shape of stored values of a field. */
export interface ShapeChange {
  name: string;
  /** Where to point the caller: `fields` for a removed field, `fields.<i>.<member>` otherwise. */
  field: string;
  what: string;
}

/**
 * Changes that stored values may no longer fit: a field removed, or its kind, item kind or
 * localization changed. Tightened limits (required, maxLength, maxItems) are not listed: they
 * apply from each entry's next save, and published versions keep being served as published.
 */
export function shapeChanges(before: ContentField[], after: ContentField[]): ShapeChange[] {
  const changes: ShapeChange[] = [];
  for (const old of before) {
    const index = after.findIndex((f) => f.name === old.name);
    if (index === -1) {
      changes.push({ name: old.name, field: 'fields', what: `removes the field "${old.name}"` });
      continue;
    }
    const next = after[index];
    if (next.kind !== old.kind) changes.push({ name: old.name, field: `fields.${index}.kind`, what: `changes the kind of "${old.name}" from ${old.kind} to ${next.kind}` });
    else if (next.of !== old.of) changes.push({ name: old.name, field: `fields.${index}.of`, what: `changes the item kind of "${old.name}" from ${old.of} to ${next.of}` });
    if (next.localized !== old.localized) changes.push({ name: old.name, field: `fields.${index}.localized`, what: `makes "${old.name}" ${next.localized ? 'localized' : 'not localized'}` });
  }
  return changes;
}

import { ValidationOptions, registerDecorator } from 'class-validator';

/** Valid when the value, a date, is later than the date in `property` (or either is absent). */
export function IsLaterThan(property: string, options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isLaterThan',
      target: target.constructor,
      propertyName,
      constraints: [property],
      options: { message: `${propertyName} must be later than ${property}`, ...options },
      validator: {
        validate: (value: unknown, args) => {
          const other = (args?.object as Record<string, unknown>)[property];
          if (value === undefined || value === null || other === undefined || other === null) return true;
          const until = Date.parse(String(value));
          const from = Date.parse(String(other));
          return Number.isNaN(until) || Number.isNaN(from) || until > from;
        },
      },
    });
}

const ATTRIBUTE_KEY = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;

/** The problem with attribute conditions (`{"material": "linen", "organic": true}`), or null when valid. */
export function attributeConditionsProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object of attribute name → value';
  const entries = Object.entries(value);
  if (entries.length === 0) return 'must name at least one attribute';
  if (entries.length > 20) return 'must have at most 20 attributes';
  for (const [key, v] of entries) {
    if (!ATTRIBUTE_KEY.test(key)) return `has name "${key.slice(0, 20)}", which must be a letter then letters, digits or _ (max 64)`;
    const ok = (typeof v === 'string' && v.length <= 200) || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
    if (!ok) return `.${key} must be a string (max 200), a number or a boolean`;
  }
  return null;
}

/** Validates attribute conditions of a promotion: each named attribute must equal (or, for lists, contain) the value. */
export function IsAttributeConditions(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isAttributeConditions',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => attributeConditionsProblem(value) === null,
        defaultMessage: (args) => `${args?.property} ${attributeConditionsProblem(args?.value)}`,
      },
    });
}

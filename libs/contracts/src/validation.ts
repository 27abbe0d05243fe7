import { ValidationOptions, registerDecorator } from 'class-validator';

const LOCALE = /^[a-z]{2}(-[A-Z]{2})?$/;
const ATTRIBUTE_KEY = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The problem with a localized text (`{ "en": "…", "de-DE": "…" }`), or null when it is valid. */
export function localizedTextProblem(value: unknown, maxLength: number, required: boolean): string | null {
  if (!isPlainObject(value)) return 'must be an object of locale → text, e.g. {"en": "…"}';
  const entries = Object.entries(value);
  if (required && entries.length === 0) return 'must have at least one locale';
  if (entries.length > 50) return 'must have at most 50 locales';
  for (const [locale, text] of entries) {
    if (!LOCALE.test(locale)) return `has locale "${locale.slice(0, 20)}", which is not like "en" or "de-DE"`;
    if (typeof text !== 'string') return `.${locale} must be a string`;
    if (required && text.trim() === '') return `.${locale} must not be empty`;
    if (text.length > maxLength) return `.${locale} must be at most ${maxLength} characters`;
  }
  return null;
}

/** Validates a localized text: an object of locale → string. */
export function IsLocalizedText(maxLength: number, required = true, options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isLocalizedText',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => localizedTextProblem(value, maxLength, required) === null,
        defaultMessage: (args) =>
          `${args?.property} ${localizedTextProblem(args?.value, maxLength, required)}`,
      },
    });
}

/** The problem with a free attribute map, or null when it is valid. */
export function attributesProblem(value: unknown): string | null {
  if (!isPlainObject(value)) return 'must be an object of name → value';
  const entries = Object.entries(value);
  if (entries.length > 100) return 'must have at most 100 attributes';
  for (const [key, attr] of entries) {
    if (!ATTRIBUTE_KEY.test(key)) return `has name "${key.slice(0, 20)}", which must be a letter then letters, digits or _ (max 64)`;
    const ok =
      typeof attr === 'string' ||
      typeof attr === 'boolean' ||
      (typeof attr === 'number' && Number.isFinite(attr)) ||
      (isPlainObject(attr) &&
        typeof attr['value'] === 'number' &&
        Number.isFinite(attr['value']) &&
        typeof attr['unit'] === 'string' &&
        Object.keys(attr).length === 2) ||
      (Array.isArray(attr) && attr.length <= 50 && attr.every((v) => typeof v === 'string'));
    if (!ok) return `.${key} must be a string, number, boolean, list of strings, or {value, unit}`;
  }
  if (JSON.stringify(value).length > 16_384) return 'must be at most 16 KB of JSON';
  return null;
}

/** Validates typed free attributes (dimensions, weight, material…). */
export function IsAttributes(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isAttributes',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => attributesProblem(value) === null,
        defaultMessage: (args) => `${args?.property} ${attributesProblem(args?.value)}`,
      },
    });
}

/** Id prefixes by kind, so ids read across services and logs (`prd_…`, `var_…`, `evt_…`). */
export type IdPrefix = 'prd' | 'var' | 'evt' | 'cor' | (string & {});

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A new id `<prefix>_<time><random>`: sorts by creation time, 22 characters after the prefix. */
export function newId(prefix: IdPrefix): string {
  const time = Date.now().toString(36).padStart(10, '0');
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  let random = '';
  for (const b of bytes) random += ALPHABET[b % 36];
  return `${prefix}_${time}${random}`;
}

/** True when `id` looks like an id of the given kind. */
export function isId(id: unknown, prefix: IdPrefix): id is string {
  return typeof id === 'string' && new RegExp(`^${prefix}_[0-9a-z]{22}$`).test(id);
}

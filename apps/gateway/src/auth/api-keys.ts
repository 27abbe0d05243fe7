import { CODE_PATTERN } from '@omnibus/contracts';

export type Role = 'admin' | 'channel';

export interface ApiKey {
  key: string;
  role: Role;
  /** The sales channel a channel key reads for (`web`, `pos-berlin-1`…). */
  channel?: string;
}

/** A logged-in customer, from a verified `Authorization: Bearer` customer token. */
export interface CustomerIdentity {
  /** `cus_…` */
  id: string;
  /** The customer group whose prices apply (the company's group for a B2B member). */
  group: string;
  companyId?: string;
  companyRole?: string;
}

/** Who is calling, after the key (and the customer token, when sent) was checked. */
export interface Principal {
  role: Role;
  channel?: string;
  /** Set when the request carries a valid customer token. */
  customer?: CustomerIdentity;
}

/** Documented keys for local runs; refused when NODE_ENV=production. */
export const DEVELOPMENT_KEYS: ApiKey[] = [
  { key: 'dev-admin', role: 'admin' },
  ...['web', 'app', 'pos', 'marketplace', 'b2b'].map((channel) => ({ key: `dev-${channel}`, role: 'channel' as const, channel })),
];

/** Parses `KEY=admin,KEY2=channel:web`; throws naming the bad entry. */
export function parseApiKeys(raw: string): ApiKey[] {
  const keys: ApiKey[] = [];
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    const at = entry.lastIndexOf('=');
    const key = at > 0 ? entry.slice(0, at) : '';
    const [role, channel] = entry.slice(at + 1).split(':');
    const shown = `${key.slice(0, 4)}…`;
    if (!/^[\x21-\x7e]{8,200}$/.test(key)) throw new Error(`has a key (${shown}) that is not 8 to 200 printable characters without spaces`);
    if (role === 'admin' && channel === undefined) keys.push({ key, role });
    else if (role === 'channel' && channel && CODE_PATTERN.test(channel)) keys.push({ key, role, channel });
    else throw new Error(`has an entry for key ${shown} whose role is not "admin" or "channel:<channel>"`);
  }
  if (new Set(keys.map((k) => k.key)).size !== keys.length) throw new Error('lists a key twice');
  return keys;
}

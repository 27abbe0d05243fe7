import type { OrderCaller } from '@omnibus/contracts';
import { Principal } from '../auth/api-keys';

/** True when `channel` is one of the staff channels (`pos`, or `pos-*` for every channel starting with `pos-`). */
export function isStaffChannel(channel: string, staffChannels: string[]): boolean {
  return staffChannels.some((c) => (c.endsWith('*') ? channel.startsWith(c.slice(0, -1)) : channel === c));
}

/**
 * Who is asking the orders service: an admin key; a logged-in customer (any channel key with a
 * customer token); a staff channel's key (POS, marketplace, phone: acts for any customer); or a
 * self-service channel's key without a customer (a guest of that channel).
 */
export function orderCaller(principal: Principal, staffChannels: string[]): OrderCaller {
  if (principal.role === 'admin') return { kind: 'admin' };
  const channel = principal.channel as string;
  if (principal.customer) return { kind: 'customer', channel, customerId: principal.customer.id };
  return { kind: isStaffChannel(channel, staffChannels) ? 'staff' : 'channel', channel };
}

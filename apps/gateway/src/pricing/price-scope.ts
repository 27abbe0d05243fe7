import { BadRequestException, ForbiddenException } from '@nestjs/common';
import { CODE_PATTERN } from '@omnibus/contracts';
import { isISO4217CurrencyCode } from 'class-validator';
import { Principal } from '../auth/api-keys';
import { errorBody } from '../http/http-errors';
import { isStaffChannel } from '../orders/order-caller';
import { PriceScope } from './price-cache';

export const DEFAULT_CURRENCY = 'EUR';

function bad(field: string, problem: string): BadRequestException {
  return new BadRequestException(errorBody(400, `${field}: ${problem}`, [{ field, problem }]));
}

function forbidden(field: string, problem: string): ForbiddenException {
  return new ForbiddenException(errorBody(403, `${field}: ${problem}`, [{ field, problem }]));
}

/**
 * The customer group whose prices apply. A price is a commercial promise, so the group is never the
 * word of a self-service caller: it is the group in the customer token (`Authorization: Bearer`), and
 * naming another one is 403. Without a token, admin keys and the keys of staff channels
 * (`STAFF_CHANNELS`: POS, marketplace, phone, which also order for a named customer) may price on
 * behalf of a group; any other channel key gets the prices for everyone, and naming a group is 403
 * rather than silently ignored, so a frontend that sends one learns that it must send the token.
 */
export function customerGroupFor(principal: Principal, requested: unknown, staffChannels: string[]): string | null {
  const customer = principal.customer;
  if (customer) {
    if (requested != null && requested !== customer.group) throw forbidden('customerGroup', `is not the group of the logged-in customer (${customer.group}); leave it out`);
    return customer.group;
  }
  if (requested == null) return null;
  const onBehalf = principal.role === 'admin' || (principal.channel !== undefined && isStaffChannel(principal.channel, staffChannels));
  if (!onBehalf) throw forbidden('customerGroup', 'comes from the customer token: send it as "Authorization: Bearer <token>" (POST /v1/customers/login) and leave customerGroup out');
  return requested as string;
}

/** The customer a quote is for: the token's customer when one is logged in (naming another is 403), else what the caller says. */
export function customerIdFor(principal: Principal, requested: unknown): unknown {
  const customer = principal.customer;
  if (!customer) return requested;
  if (requested != null && requested !== customer.id) throw forbidden('customerId', 'is not the logged-in customer; leave it out');
  return customer.id;
}

/**
 * What a product detail is priced for, from the query (`currency`, default EUR; `channel`;
 * `customerGroup`). A channel key is priced for its own channel; an admin key sees prices that are not
 * channel-scoped unless it names a channel. The customer group follows customerGroupFor.
 */
export function priceScopeFor(principal: Principal, query: Record<string, unknown> | undefined, staffChannels: string[]): PriceScope {
  const currency = query?.['currency'] ?? DEFAULT_CURRENCY;
  if (typeof currency !== 'string' || !isISO4217CurrencyCode(currency)) throw bad('currency', 'must be an ISO 4217 currency code, e.g. EUR');
  const code = currency.toUpperCase();
  const channel = query?.['channel'];
  if (channel !== undefined && (typeof channel !== 'string' || !CODE_PATTERN.test(channel))) throw bad('channel', 'must be lower-case letters, digits and dashes');
  const requestedGroup = query?.['customerGroup'];
  if (requestedGroup !== undefined && (typeof requestedGroup !== 'string' || !CODE_PATTERN.test(requestedGroup))) throw bad('customerGroup', 'must be lower-case letters, digits and dashes');
  if (principal.role === 'channel' && channel !== undefined && channel !== principal.channel) throw new ForbiddenException(`your key reads the ${principal.channel} channel only`);
  const customerGroup = customerGroupFor(principal, requestedGroup, staffChannels);
  if (principal.role === 'channel') return { currency: code, channel: principal.channel ?? null, customerGroup };
  return { currency: code, channel: (channel as string | undefined) ?? null, customerGroup };
}

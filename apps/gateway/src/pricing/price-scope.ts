import { BadRequestException, ForbiddenException } from '@nestjs/common';
import { CODE_PATTERN } from '@omnibus/contracts';
import { isISO4217CurrencyCode } from 'class-validator';
import { Principal } from '../auth/api-keys';
import { errorBody } from '../http/http-errors';
import { PriceScope } from './price-cache';

export const DEFAULT_CURRENCY = 'EUR';

function bad(field: string, problem: string): BadRequestException {
  return new BadRequestException(errorBody(400, `${field}: ${problem}`, [{ field, problem }]));
}

/**
 * What a product detail is priced for, from the query (`currency`, default EUR; `channel`;
 * `customerGroup`). A channel key is priced for its own channel; an admin key sees prices that are not
 * channel-scoped unless it names a channel. Until the customers service exists the customer group comes
 * from the query; later it will come from the customer's token.
 */
export function priceScopeFor(principal: Principal, query: Record<string, unknown> | undefined): PriceScope {
  const currency = query?.['currency'] ?? DEFAULT_CURRENCY;
  if (typeof currency !== 'string' || !isISO4217CurrencyCode(currency)) throw bad('currency', 'must be an ISO 4217 currency code, e.g. EUR');
  const code = currency.toUpperCase();
  const channel = query?.['channel'];
  if (channel !== undefined && (typeof channel !== 'string' || !CODE_PATTERN.test(channel))) throw bad('channel', 'must be lower-case letters, digits and dashes');
  const customerGroup = query?.['customerGroup'];
  if (customerGroup !== undefined && (typeof customerGroup !== 'string' || !CODE_PATTERN.test(customerGroup))) throw bad('customerGroup', 'must be lower-case letters, digits and dashes');
  if (principal.role === 'channel') {
    if (channel !== undefined && channel !== principal.channel) throw new ForbiddenException(`your key reads the ${principal.channel} channel only`);
    return { currency: code, channel: principal.channel ?? null, customerGroup: (customerGroup as string | undefined) ?? null };
  }
  return { currency: code, channel: (channel as string | undefined) ?? null, customerGroup: (customerGroup as string | undefined) ?? null };
}

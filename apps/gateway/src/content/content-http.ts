import { ForbiddenException, HttpException, HttpStatus } from '@nestjs/common';
import { RemoteError } from '@omnibus/service-kit';
import { Principal } from '../auth/api-keys';
import { errorBody } from '../http/http-errors';

/**
 * The channel content is read for: a channel key's own channel (asking for another is refused);
 * an admin key's `?channel=` preview, or none (the default content of every entry).
 */
export function deliveryChannel(principal: Principal, asked: string | undefined): string | undefined {
  if (principal.role === 'admin') return asked;
  if (asked !== undefined && asked !== principal.channel) throw new ForbiddenException(`your key reads the ${principal.channel} channel only`);
  return principal.channel;
}

/**
 * Calls a service with a change whose NATS payload wraps the HTTP body in `changes`: field paths
 * come back relative to the body (`fields.title.de`), and a stale If-Match is 412.
 */
export async function changeCall<T>(call: () => Promise<T>, ifMatchGiven: boolean): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof RemoteError)) throw err;
    const details = (err.body.details ?? []).map((d) => ({ ...d, field: d.field.replace(/^changes\./, '') }));
    const message = err.body.message.replace(/(^|; )changes\./g, '$1');
    if (err.body.code === 'VERSION_CONFLICT' && ifMatchGiven) throw new HttpException(errorBody(412, message, details), HttpStatus.PRECONDITION_FAILED);
    throw new RemoteError({ ...err.body, message, details });
  }
}

export function requireIfMatch(version: number | undefined, what: string): number {
  if (version === undefined) throw new HttpException(errorBody(428, `send If-Match with the ETag of the ${what} you read`, [{ field: 'If-Match', problem: 'is required' }]), HttpStatus.PRECONDITION_REQUIRED);
  return version;
}

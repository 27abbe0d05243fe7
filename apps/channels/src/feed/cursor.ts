import { RpcError } from '@omnibus/service-kit';

/** A feed position as an opaque, stable cursor: the channel and its entry number. */
export function encodeFeedCursor(channel: string, seq: number): string {
  return Buffer.from(`${channel}:${seq}`, 'utf8').toString('base64url');
}

/** The entry number of a cursor of this channel; a VALIDATION error naming `field` otherwise. */
export function decodeFeedCursor(channel: string, cursor: string, field = 'after'): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^([a-z0-9][a-z0-9-]{0,63}):(\d{1,15})$/.exec(text);
  if (!match || encodeFeedCursor(match[1], Number(match[2])) !== cursor) {
    throw new RpcError('VALIDATION', `${field} is not a cursor this feed returned`, [{ field, problem: 'is not a cursor this feed returned' }]);
  }
  if (match[1] !== channel) throw new RpcError('VALIDATION', `${field} is a cursor of channel ${match[1]}, not ${channel}`, [{ field, problem: `is a cursor of another channel (${match[1]})` }]);
  return Number(match[2]);
}

import { RpcError } from '@omnibus/service-kit';
import { decodeFeedCursor, encodeFeedCursor } from './cursor';

describe('feed cursors', () => {
  it('round-trip, and refuse forged cursors and cursors of another channel', () => {
    expect(decodeFeedCursor('pos-berlin', encodeFeedCursor('pos-berlin', 42))).toBe(42);
    expect(() => decodeFeedCursor('web', 'garbage')).toThrow(RpcError);
    expect(() => decodeFeedCursor('web', encodeFeedCursor('app', 1))).toThrow(/cursor of channel app, not web/);
    expect(() => decodeFeedCursor('web', Buffer.from("web:1' or 1=1").toString('base64url'))).toThrow(/not a cursor/);
  });
});

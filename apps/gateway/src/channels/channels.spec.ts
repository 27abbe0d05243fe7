import { FeedEntry, FeedPage } from '@omnibus/contracts';
import type { ServiceClient } from '@omnibus/service-kit';
import type { ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import type { NatsConnection } from 'nats';
import pino from 'pino';
import { ChannelStreams, sseEvent } from './channel-streams';
import { mayRead, resumeCursor } from './channels.controller';

const entry = (seq: number): FeedEntry => ({
  id: `fen_${String(seq).padStart(22, '0')}`,
  cursor: `c${seq}`,
  channel: 'web',
  productId: 'prd_1',
  kind: 'upsert',
  version: seq,
  aspects: ['stock'],
  full: false,
  changes: { variants: { A: { available: seq } } },
  occurredAt: '2026-11-23T00:00:00.000Z',
});

/** A response that records what is written, and a NATS connection whose one subscription we drive. */
function harness(reads: FeedPage[]) {
  const out = Object.assign(new PassThrough(), { writeHead: () => out }) as unknown as ServerResponse & PassThrough;
  let written = '';
  out.on('data', (c) => (written += c));
  let deliver: (data: unknown) => void = () => undefined;
  const nats = { subscribe: (_: string, opts: { callback: (err: unknown, msg: { json: () => unknown }) => void }) => ((deliver = (data) => opts.callback(null, { json: () => data })), { unsubscribe: () => undefined }) };
  const requests: unknown[] = [];
  const services = { request: async (_: string, payload: unknown) => (requests.push(payload), reads.shift() ?? { channel: 'web', entries: [], nextCursor: (payload as { after: string }).after, hasMore: false }) };
  const streams = new ChannelStreams(services as unknown as ServiceClient, nats as unknown as NatsConnection, pino({ level: 'silent' }));
  streams.onModuleInit();
  return { streams, out, written: () => written, deliver, requests };
}

describe('channel streams (SSE)', () => {
  it('writes each entry as an event whose id is its cursor', () => {
    expect(sseEvent(entry(7))).toBe(`id: c7\nevent: entry\ndata: ${JSON.stringify(entry(7))}\n\n`);
  });

  it('writes entries a notification carries when they follow the stream, and reads the feed when they do not', async () => {
    const h = harness([{ channel: 'web', entries: [entry(3), entry(4)], nextCursor: 'c4', hasMore: false }]);
    h.streams.start('web', { channel: 'web', entries: [entry(1)], nextCursor: 'c1', hasMore: false }, h.out, () => undefined);
    h.deliver({ channel: 'web', afterCursor: 'c1', lastCursor: 'c2', entries: [entry(2)] });
    expect(h.requests).toEqual([]); // carried: no read
    h.deliver({ channel: 'web', afterCursor: 'c3', lastCursor: 'c4', entries: [entry(4)] }); // c3 was missed
    await new Promise((r) => setImmediate(r));
    expect(h.requests).toEqual([{ channel: 'web', after: 'c2', limit: 200 }]);
    const ids = [...h.written().matchAll(/^id: (.*)$/gm)].map((m) => m[1]);
    expect(ids).toEqual(['c1', 'c2', 'c3', 'c4']);
    h.deliver({ channel: 'app', afterCursor: 'c4', lastCursor: 'c5', entries: [entry(5)] }); // another channel
    expect([...h.written().matchAll(/^id: /gm)]).toHaveLength(4);
    h.streams.onModuleDestroy();
    expect(h.out.writableEnded).toBe(true);
    expect(h.streams.open).toBe(0);
  });
});

describe('channel access', () => {
  it('lets channel keys read their own channel, admins every channel', () => {
    expect(mayRead({ role: 'channel', channel: 'pos-berlin' }, 'pos-berlin')).toBe(true);
    expect(mayRead({ role: 'channel', channel: 'pos-berlin' }, 'web')).toBe(false);
    expect(mayRead({ role: 'admin' }, 'web')).toBe(true);
  });

  it('resumes from Last-Event-ID before ?after', () => {
    expect(resumeCursor('abc', 'def')).toBe('abc');
    expect(resumeCursor(' ', 'def')).toBe('def');
    expect(resumeCursor(undefined, undefined)).toBeUndefined();
  });
});

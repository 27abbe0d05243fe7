import { retryDelay } from './delivery.worker';
import { signatureOf, verifySignature } from './signature';

describe('webhook signatures', () => {
  const body = JSON.stringify({ id: 'fen_1', kind: 'upsert' });
  it('signs timestamp and body with the secret, and verifies in constant time', () => {
    const now = 1_800_000_000_000;
    const ts = now / 1000;
    const signature = signatureOf('whsec_test', ts, body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature('whsec_test', String(ts), body, signature, 300, now)).toBe(true);
    expect(verifySignature('whsec_other', String(ts), body, signature, 300, now)).toBe(false);
    expect(verifySignature('whsec_test', String(ts), `${body} `, signature, 300, now)).toBe(false);
    expect(verifySignature('whsec_test', String(ts + 1), body, signature, 300, now)).toBe(false);
    expect(verifySignature('whsec_test', String(ts), body, signature, 300, now + 301_000)).toBe(false);
  });
});

describe('retries', () => {
  it('doubles the wait with every failed attempt, capped', () => {
    expect([1, 2, 3, 4].map((a) => retryDelay(a, 100, 10_000, 0))).toEqual([100, 200, 400, 800]);
    expect(retryDelay(20, 100, 10_000, 0)).toBe(10_000);
    expect(retryDelay(1, 100, 10_000, 1)).toBe(110);
  });
});

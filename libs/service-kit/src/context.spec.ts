import { correlationId, newCorrelationId, runInContext, sanitizeCorrelationId } from './context';

describe('work context', () => {
  it('makes distinct, well-formed correlation ids', () => {
    const ids = Array.from({ length: 10_000 }, () => newCorrelationId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 100)) expect(sanitizeCorrelationId(id)).toBe(id);
    expect(ids[0]).toMatch(/^cor_[0-9a-z]{11,}$/);
  });

  it('returns the current correlation id inside a context, and a new one outside', async () => {
    await runInContext({ correlationId: 'abc-1' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(correlationId()).toBe('abc-1');
    });
    expect(correlationId()).not.toBe('abc-1');
  });

  it('accepts only short printable ids from callers', () => {
    expect(sanitizeCorrelationId('order-42:retry.1')).toBe('order-42:retry.1');
    expect(sanitizeCorrelationId('has space')).toBeUndefined();
    expect(sanitizeCorrelationId('x'.repeat(101))).toBeUndefined();
    expect(sanitizeCorrelationId(42)).toBeUndefined();
  });
});

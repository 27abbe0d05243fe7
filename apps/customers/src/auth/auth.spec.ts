import { claimLoginAttempt, ThrottleState } from './login-throttle';
import { hashPassword, verifyPassword } from './passwords';

// Cheap parameters keep the test fast; the format and the checks are the same as with the defaults.
const FAST = { N: 1024, r: 8, p: 1 };

describe('passwords', () => {
  it('stores a salted scrypt hash with its parameters, never the password', async () => {
    const stored = await hashPassword('correct horse battery', FAST);
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(stored).not.toContain('correct horse battery');
    expect(await hashPassword('correct horse battery', FAST)).not.toBe(stored); // a new salt each time
  });

  it('verifies the right password only', async () => {
    const stored = await hashPassword('correct horse battery', FAST);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('matches the same password typed in another Unicode form', async () => {
    const stored = await hashPassword('Café-Passwort', FAST);
    expect(await verifyPassword('Cafe\u0301-Passwort', stored)).toBe(true);
  });

  it('answers false, not an error, for a malformed hash', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$abc$8$1$c2FsdA$aGFzaA')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$1024$8$1$c2FsdA$short')).toBe(false);
  });

  it('uses the default parameters (N=2^14, r=8, p=5) when none are given', async () => {
    expect(await hashPassword('correct horse battery')).toMatch(/^scrypt\$16384\$8\$5\$/);
  });
});

describe('login throttle', () => {
  const rules = { maxFailures: 3, lockMs: 60_000 };
  const at = (s: number) => new Date(Date.UTC(2026, 10, 23, 12, 0, s));
  const empty = (now: Date): ThrottleState => ({ failures: 0, windowStartedAt: now, lockedUntil: null });

  it('allows maxFailures attempts, then locks for lockMs whatever the password', () => {
    let state = empty(at(0));
    for (let i = 1; i <= 3; i++) {
      const d = claimLoginAttempt(state, at(i), rules);
      expect(d.allowed).toBe(true);
      state = d.next;
    }
    expect(state.failures).toBe(3);
    const locked = claimLoginAttempt(state, at(4), rules);
    expect(locked).toMatchObject({ allowed: false, retryAfterSeconds: 60 });
    expect(locked.next.lockedUntil).toEqual(new Date(at(4).getTime() + 60_000));
    const still = claimLoginAttempt(locked.next, at(30), rules);
    expect(still).toMatchObject({ allowed: false, retryAfterSeconds: 34 });
  });

  it('starts over when the lock ends or the window passed', () => {
    const lockedUntil = at(10);
    expect(claimLoginAttempt({ failures: 3, windowStartedAt: at(0), lockedUntil }, at(10), rules)).toEqual({ allowed: true, next: { failures: 1, windowStartedAt: at(10), lockedUntil: null } });
    const old = { failures: 2, windowStartedAt: at(0), lockedUntil: null };
    expect(claimLoginAttempt(old, new Date(at(0).getTime() + 60_000), rules).next.failures).toBe(1);
    expect(claimLoginAttempt(old, at(59), rules).next.failures).toBe(3);
  });

  it('treats a missing state like an empty one', () => {
    expect(claimLoginAttempt(null, at(0), rules)).toEqual({ allowed: true, next: { failures: 1, windowStartedAt: at(0), lockedUntil: null } });
  });
});

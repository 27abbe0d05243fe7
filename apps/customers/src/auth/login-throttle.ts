/** Failed logins of one email (by hash), and until when it is locked. */
export interface ThrottleState {
  failures: number;
  windowStartedAt: Date;
  lockedUntil: Date | null;
}

export interface ThrottleRules {
  /** Failures within `lockMs` before the next attempt locks the email. */
  maxFailures: number;
  /** How long a lock lasts; also the window in which failures are counted. */
  lockMs: number;
}

export type ThrottleDecision = { allowed: true; next: ThrottleState } | { allowed: false; next: ThrottleState; retryAfterSeconds: number };

/**
 * Claims one login attempt before the password is checked. The attempt counts as a failure up front
 * (a success deletes the state), so parallel guesses cannot get past the limit: after `maxFailures`
 * failures within `lockMs`, the next attempt locks the email for `lockMs` and is refused, whatever the
 * password. The rule is the same for known and unknown emails, so it reveals nothing.
 */
export function claimLoginAttempt(state: ThrottleState | null, now: Date, rules: ThrottleRules): ThrottleDecision {
  if (state?.lockedUntil && state.lockedUntil > now) return refuse(state, state.lockedUntil, now);
  const fresh = !state || state.lockedUntil !== null || now.getTime() - state.windowStartedAt.getTime() >= rules.lockMs;
  const failures = fresh ? 0 : state.failures;
  const windowStartedAt = fresh ? now : state.windowStartedAt;
  if (failures >= rules.maxFailures) {
    const lockedUntil = new Date(now.getTime() + rules.lockMs);
    return refuse({ failures, windowStartedAt, lockedUntil }, lockedUntil, now);
  }
  return { allowed: true, next: { failures: failures + 1, windowStartedAt, lockedUntil: null } };
}

function refuse(next: ThrottleState, lockedUntil: Date, now: Date): ThrottleDecision {
  return { allowed: false, next, retryAfterSeconds: Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000)) };
}

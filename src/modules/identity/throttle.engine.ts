/**
 * Sign-in lockout: after `failures` failed attempts for one email the email is locked for
 * `minutes`, doubling with each further lockout (15, 30, 60 … minutes), up to a day.
 */
export interface ThrottleState {
  failures: number;
  lockouts: number;
  lockedUntil: Date | null;
}

export interface ThrottleRules {
  failures: number;
  minutes: number;
}

const MAX_LOCK_MS = 24 * 3600_000;

export function isLocked(state: ThrottleState | undefined, now: Date): Date | undefined {
  return state?.lockedUntil && state.lockedUntil > now ? state.lockedUntil : undefined;
}

/** The state after one more failure at `now`. */
export function afterFailure(state: ThrottleState | undefined, rules: ThrottleRules, now: Date): ThrottleState {
  const failures = (state?.failures ?? 0) + 1;
  const lockouts = state?.lockouts ?? 0;
  if (failures < rules.failures) return { failures, lockouts, lockedUntil: state?.lockedUntil ?? null };
  const lockMs = Math.min(rules.minutes * 60_000 * 2 ** lockouts, MAX_LOCK_MS);
  return { failures: 0, lockouts: lockouts + 1, lockedUntil: new Date(now.getTime() + lockMs) };
}

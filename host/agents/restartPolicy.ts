// When to restart a failed agent and when to stop trying. Pure: every function takes
// the time in milliseconds and returns a new state, so the whole policy is tested with fake time.
//
// - Backoff, as pm2's exp_backoff_restart_delay: 100 ms doubling per consecutive failure, capped
//   at 15 s, back to 100 ms once a run has stayed up for `stableMs`.
// - Quarantine, as systemd's StartLimitBurst/IntervalSec: more than `maxRestarts` failures within
//   `windowMs` stops the restarts for a cool-down. It is a circuit breaker: when the cool-down has
//   passed it half-opens (one trial start). A trial that fails, or a run that fails again before
//   it has been stable (probation), re-quarantines with a doubled cool-down; a stable run closes
//   the breaker for good.
// See README: Persistent agents and supervision.

export interface RestartPolicyOptions {
  maxRestarts: number;
  windowMs: number;
  cooldownMs: number;
  initialDelayMs?: number; // default 100
  factor?: number; // default 2
  maxDelayMs?: number; // default 15 000
  stableMs?: number; // default 30 000
  maxCooldownMs?: number; // default max(cooldownMs, 1 h)
}

export type Phase =
  | 'closed' // restarts allowed
  | 'quarantined' // no starts until `until`
  | 'half-open' // the cool-down passed: one trial start is allowed
  | 'probation'; // the trial started; a failure before `stableMs` re-quarantines at once

export interface RestartState {
  phase: Phase;
  /** failure times inside the window (pruned as they age out) */
  failures: number[];
  /** failures since the last stable run: the backoff exponent */
  consecutive: number;
  /** restarts since the last reset, for status */
  restarts: number;
  /** quarantines since the last stable run: the cool-down exponent */
  quarantines: number;
  /** when the current run became ready (started, for one-shot agents) */
  readyAt?: number;
  /** while quarantined: when it half-opens */
  until?: number;
}

export type Decision =
  | { kind: 'restart'; delayMs: number }
  | { kind: 'quarantine'; until: number; cooldownMs: number; failuresInWindow: number; trialFailed: boolean };

const DEFAULT_INITIAL_MS = 100;
const DEFAULT_FACTOR = 2;
const DEFAULT_MAX_DELAY_MS = 15_000;
const DEFAULT_STABLE_MS = 30_000;
const DEFAULT_MAX_COOLDOWN_MS = 3_600_000;
// setTimeout treats anything above 2^31−1 ms as 1 ms
const MAX_TIMER_MS = 2_147_483_647;

export function initialRestartState(): RestartState {
  return { phase: 'closed', failures: [], consecutive: 0, restarts: 0, quarantines: 0 };
}

/** Delay before restart number `n` (1 = the first after a failure). */
export function restartDelay(n: number, o: RestartPolicyOptions): number {
  const initial = o.initialDelayMs ?? DEFAULT_INITIAL_MS;
  const max = Math.min(o.maxDelayMs ?? DEFAULT_MAX_DELAY_MS, MAX_TIMER_MS);
  const k = Math.max(1, Math.floor(n));
  return Math.round(Math.min(max, initial * (o.factor ?? DEFAULT_FACTOR) ** (k - 1)));
}

/** Cool-down of quarantine number `q` (0 = the first since the last stable run). */
export function cooldownFor(q: number, o: RestartPolicyOptions): number {
  const cap = Math.min(Math.max(o.cooldownMs, o.maxCooldownMs ?? DEFAULT_MAX_COOLDOWN_MS), MAX_TIMER_MS);
  return Math.round(Math.min(cap, o.cooldownMs * 2 ** Math.max(0, q)));
}

/**
 * Applies the passage of time: a run up for `stableMs` resets the backoff and ends probation.
 * Call before reading the state for status and before each decision.
 */
export function settle(s: RestartState, o: RestartPolicyOptions, now: number): RestartState {
  if (s.readyAt === undefined || now - s.readyAt < (o.stableMs ?? DEFAULT_STABLE_MS)) return s;
  if (s.consecutive === 0 && s.quarantines === 0 && s.phase !== 'probation') return s;
  return { ...s, consecutive: 0, quarantines: 0, phase: s.phase === 'probation' ? 'closed' : s.phase };
}

/** A start may begin now (closed, or the one trial of half-open). */
export function mayStart(s: RestartState): boolean {
  return s.phase === 'closed' || s.phase === 'half-open' || s.phase === 'probation';
}

/** The agent started successfully (persistent: answered agent/initialize; one-shot: spawned). */
export function onReady(s: RestartState, now: number): RestartState {
  if (s.phase === 'half-open') return { ...s, phase: 'probation', readyAt: now };
  // in probation the clock runs from the trial, not from each later one-shot spawn
  if (s.phase === 'probation') return s;
  return { ...s, readyAt: now };
}

/** The agent failed (crashed, hung, failed to start). Decides between a restart and quarantine. */
export function onFailure(
  prev: RestartState,
  o: RestartPolicyOptions,
  now: number,
): { state: RestartState; decision: Decision } {
  const s = settle(prev, o, now);
  const failures = [...s.failures.filter((t) => now - t < o.windowMs), now];
  const consecutive = s.consecutive + 1;
  const trialFailed = s.phase === 'half-open' || s.phase === 'probation';
  if (trialFailed || failures.length > o.maxRestarts) {
    const cooldownMs = cooldownFor(s.quarantines, o);
    const until = now + cooldownMs;
    return {
      state: {
        ...s,
        phase: 'quarantined',
        failures,
        consecutive,
        quarantines: s.quarantines + 1,
        until,
        readyAt: undefined,
      },
      decision: { kind: 'quarantine', until, cooldownMs, failuresInWindow: failures.length, trialFailed },
    };
  }
  return {
    state: { ...s, failures, consecutive, restarts: s.restarts + 1, readyAt: undefined },
    decision: { kind: 'restart', delayMs: restartDelay(consecutive, o) },
  };
}

/** The cool-down is over: allow one trial start. The failure window starts afresh. */
export function halfOpen(s: RestartState, now: number): RestartState {
  if (s.phase !== 'quarantined' || s.until === undefined || now < s.until) return s;
  return { ...s, phase: 'half-open', until: undefined, failures: [], restarts: s.restarts + 1 };
}

/** restart-agent, or a changed command: forget everything. */
export function resetRestartState(): RestartState {
  return initialRestartState();
}

// Retry delays (retry_attempts with exponential backoff + jitter). Pure: the random
// source is a parameter so tests are deterministic.
import type { BackoffConfig } from '../../common/configSchema';

/** Upper bound for a delay asked for by an agent (Retry-After): a misbehaving agent must not park a task for days. */
export const MAX_RETRY_AFTER_MS = 3_600_000;
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Delay before retry number `attempt` (1 = first retry): initialMs × factor^(attempt−1), capped at
 * maxMs. With jitter it is "equal jitter": half of that fixed plus a random half, so retries of
 * many tasks that failed together spread out, yet the delay never collapses to ~0 (which "full
 * jitter" allows, hammering a struggling tool right away). Whole milliseconds.
 */
export function backoffDelay(attempt: number, cfg: BackoffConfig, random: () => number = Math.random): number {
  const initial = finiteNonNegative(cfg.initialMs);
  // setTimeout treats anything above 2^31−1 ms as 1 ms: an "infinite" cap would retry at once.
  const max = Math.min(cfg.maxMs >= 0 ? cfg.maxMs : 0, MAX_TIMER_MS);
  const factor = Number.isFinite(cfg.factor) && cfg.factor > 0 ? cfg.factor : 1;
  const n = Number.isFinite(attempt) ? Math.max(1, Math.floor(attempt)) : 1;
  // factor ** huge is Infinity, which min() caps: no overflow handling needed beyond that.
  const base = Math.min(max, initial * factor ** (n - 1));
  if (!cfg.jitter) return Math.round(base);
  const r = clamp01(random());
  const half = base / 2;
  return Math.floor(half + r * half);
}

/**
 * Delay before the next attempt when the agent may have said how long to wait (Retry-After): the
 * longer of the backoff and retryAfterMs, where retryAfterMs is capped at MAX_RETRY_AFTER_MS.
 * The backoff itself is only capped by the user's maxMs, so a config asking for more than an hour
 * is honoured. An invalid retryAfterMs (NaN, negative) is ignored.
 */
export function nextRetryDelay(
  attempt: number,
  cfg: BackoffConfig,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  const backoff = backoffDelay(attempt, cfg, random);
  if (retryAfterMs === undefined || !(retryAfterMs >= 0)) return backoff;
  return Math.max(backoff, Math.ceil(Math.min(retryAfterMs, MAX_RETRY_AFTER_MS)));
}

function finiteNonNegative(v: number): number {
  return Number.isFinite(v) && v > 0 ? v : 0;
}

// A random source returning 1 (or garbage) must not push the delay past its bound.
function clamp01(r: number): number {
  if (!(r > 0)) return 0;
  return r >= 1 ? 1 - Number.EPSILON : r;
}

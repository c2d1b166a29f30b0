// Reconnect timing, pure: quick first retries (a host restarting comes back within a second),
// then exponential up to a ceiling; a stopped host is only polled (never launched) at a slow pace.
export function reconnectDelayMs(attempt: number, opts: { baseMs?: number; maxMs?: number } = {}): number {
  const base = opts.baseMs ?? 250;
  const max = opts.maxMs ?? 10_000;
  return Math.min(max, base * 2 ** Math.max(0, attempt));
}

export const STOPPED_POLL_MS = 3000;

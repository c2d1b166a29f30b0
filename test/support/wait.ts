// Waiting in tests: on a condition, with a deadline, never for a fixed time. The one copy every
// test (node:test, the in-VS Code suite, the bench) uses.
import { setTimeout as delay } from 'node:timers/promises';

/**
 * A plain timer. Only for an observation window (a throttle's duty cycle, "nothing more arrives
 * within N ms" after the event it follows has been awaited), never to wait for something to happen.
 */
export const sleep = (ms: number): Promise<void> => delay(ms);

export class WaitTimeout extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly last: unknown,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : ` (last: ${show(last)})`}`);
    this.name = 'WaitTimeout';
  }
}

function show(x: unknown): string {
  if (x instanceof Error) return x.message;
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

/**
 * Polls `fn` until it returns a truthy value and returns that value; throws WaitTimeout (naming
 * `what` and the last value or error) once `timeoutMs` have passed. A throw from `fn` counts as
 * "not yet" (a file not written yet, a host not listening yet).
 */
export async function until<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
  everyMs = 20,
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new WaitTimeout(what, timeoutMs, last);
    await delay(everyMs);
  }
}

/**
 * Polls `check` until it holds; resolves to the milliseconds that took, or -1 if it did not hold
 * within `ms` (for tests that report how long a kill or a reap took).
 */
export async function waitFor(check: () => Promise<boolean> | boolean, ms: number, everyMs = 10): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    if (await check()) return performance.now() - t0;
    await delay(everyMs);
  }
  return (await check()) ? performance.now() - t0 : -1;
}

/** A promise with its resolve outside, for waiting on a callback (an exit, a notification). */
export function signal<T = void>(): { promise: Promise<T>; resolve(v: T): void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** `p`, or a rejection naming `what` after `ms`; the timer never outlives the race. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeout(what, ms, undefined)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

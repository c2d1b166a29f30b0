// Test helpers to find processes by a marker in their command line, the way a user would look for
// survivors with `ps`, but through /proc so no child process is involved.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const AGENTS = join(__dirname, '..', 'fixtures', 'agents');
export const agent = (name: string): string => join(AGENTS, name);

let seq = 0;
/** A marker no other process on the machine has in its command line. */
export function uniqueMarker(label: string): string {
  return `agbtest-${label}-${process.pid}-${Date.now()}-${++seq}`;
}

/** Pids of live processes whose /proc/PID/cmdline contains `marker` (zombies have an empty one). */
export async function pidsWithMarker(marker: string): Promise<number[]> {
  const names = (await readdir('/proc')).filter((n) => /^\d+$/.test(n));
  const found = await Promise.all(
    names.map(async (n) => {
      try {
        const cmdline = await readFile(`/proc/${n}/cmdline`, 'utf8');
        return cmdline.includes(marker) ? Number(n) : 0;
      } catch {
        return 0;
      }
    }),
  );
  return found.filter((p) => p !== 0 && p !== process.pid);
}

/** Poll `check` until it returns true or `ms` pass; returns the elapsed milliseconds, or -1. */
export async function waitFor(check: () => Promise<boolean> | boolean, ms: number, every = 10): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    if (await check()) return performance.now() - t0;
    await sleep(every);
  }
  return (await check()) ? performance.now() - t0 : -1;
}

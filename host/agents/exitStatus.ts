// What an agent's exit means beyond the exit code itself. Pure.
//
// Retry-After contract: when an attempt fails (an exit code the agent does not count as done),
// the host looks at the last lines of stderr and stdout for the wait a rate-limited API asked for,
//   Retry-After: 30          retry-after=30        "retry_after": 30       retry after 1.5s
//   Retry-After: Wed, 21 Oct 2015 07:28:00 GMT
// (case-insensitive; a number is seconds unless followed by ms / s / m and their long forms).
// The last such line wins. The retry then waits at least that long (backoff.ts caps it at 1 h).
import type { AgentConfig } from '../../common/configSchema';

export type ExitClass = 'done' | 'usage_error' | 'failure';

export function classifyExit(code: number, codes: AgentConfig['exitCodes']): ExitClass {
  if (codes.done.includes(code)) return 'done';
  if (codes.usageError.includes(code)) return 'usage_error';
  return 'failure';
}

const DELTA_RE =
  /\bretry[-_ ]after["']?\s*[:=]?\s*(\d+(?:\.\d+)?)\s*(milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|m)?\b/gi;
const DATE_RE = /\bretry-after\s*:\s*([A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT)/gi;

function unitMs(unit: string | undefined): number {
  const u = (unit ?? 's').toLowerCase();
  if (u === 'ms' || u.startsWith('milli')) return 1;
  if (u === 'm' || u.startsWith('min')) return 60_000;
  return 1000;
}

/** The wait asked for in `lines` (ms), or undefined when none says one. `now` is for HTTP dates. */
export function parseRetryAfter(lines: readonly string[], now: number = Date.now()): number | undefined {
  let found: number | undefined;
  for (const line of lines) {
    for (const m of line.matchAll(DELTA_RE)) found = Math.round(Number(m[1]) * unitMs(m[2]));
    for (const m of line.matchAll(DATE_RE)) {
      const at = Date.parse(m[1]!);
      if (!Number.isNaN(at)) found = Math.max(0, at - now);
    }
  }
  return found;
}

/** Colour and hyperlink escapes: AI CLIs print them even into pipes. */
const ANSI_RE = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

/** The last `n` non-empty lines of `text`, each cut to `width` characters (they go to the journal). */
export function tailLines(text: string, n: number, width = 200): string[] {
  const out: string[] = [];
  let end = text.length;
  while (out.length < n && end > 0) {
    const start = text.lastIndexOf('\n', end - 1);
    const line = text
      .slice(start + 1, end)
      .replace(ANSI_RE, '')
      .replace(/\r$/, '')
      .trimEnd();
    if (line.trim()) out.push(line.length > width ? `${line.slice(0, width - 1)}…` : line);
    end = start < 0 ? 0 : start;
  }
  return out.reverse();
}

// Baselines ("hold the line"): the findings a workspace has accepted, recorded by their
// fingerprints in .agentic/baseline.json, so an agent with `baseline: true` reports only new ones.
// Pure: fingerprints from a finding and the text of its line, the file format, the filter.
//
// A fingerprint must survive edits elsewhere in the file, so it never contains a line or column:
// it is the tool's own (SARIF fingerprints / partialFingerprints, kept by the SARIF reader), else
// a hash of (ruleId, file, the finding's line with whitespace normalized). The same problem on two
// identical lines gives the same fingerprint twice; the filter counts them (a multiset), so a
// third copy of a baselined line is still reported as new.
import { createHash } from 'node:crypto';
import type { Finding } from '../../common/model';

export const BASELINE_VERSION = 1;

export interface BaselineEntry {
  agent: string;
  fingerprint: string;
  // the rest is for the people who review the file: what was accepted, and where it was then
  file: string;
  line: number;
  ruleId: string;
  message: string;
}

export interface BaselineDoc {
  version: typeof BASELINE_VERSION;
  createdAt: string;
  entries: BaselineEntry[];
}

/** Indentation and spacing changes (a formatter run) must not make old findings new. */
export function normalizeLine(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

export function lineFingerprint(ruleId: string, file: string, lineText: string): string {
  return createHash('sha256')
    .update(`${ruleId}\u0000${file}\u0000${normalizeLine(lineText)}`)
    .digest('hex')
    .slice(0, 32);
}

/**
 * Gives every finding without a tool fingerprint one computed from its line. `lines(file)` is the
 * file's lines, or undefined when it cannot be read; then (or past the end of the file) the
 * message stands in for the line text, which is stable for most tools.
 */
export function addFingerprints(findings: Finding[], lines: (file: string) => string[] | undefined): void {
  for (const f of findings) {
    if (f.fingerprint) continue;
    const text = lines(f.file)?.[f.line - 1] ?? `\u0000message\u0000${f.message}`;
    f.fingerprint = lineFingerprint(f.ruleId, f.file, text);
  }
}

export function toEntry(f: Finding): BaselineEntry {
  return {
    agent: f.agent,
    fingerprint: f.fingerprint ?? '',
    file: f.file,
    line: f.line,
    ruleId: f.ruleId,
    message: f.message,
  };
}

/**
 * Splits an agent's findings into the new ones and those the baseline accepts. Each entry
 * accepts one finding with its fingerprint: a baseline with one copy of a problem lets a second
 * copy through.
 */
export function filterNew(
  findings: Finding[],
  entries: readonly BaselineEntry[],
  agent: string,
): { fresh: Finding[]; baselined: Finding[] } {
  const budget = new Map<string, number>();
  for (const e of entries) if (e.agent === agent) budget.set(e.fingerprint, (budget.get(e.fingerprint) ?? 0) + 1);
  const fresh: Finding[] = [];
  const baselined: Finding[] = [];
  for (const f of findings) {
    const left = f.fingerprint ? (budget.get(f.fingerprint) ?? 0) : 0;
    if (left > 0) {
      budget.set(f.fingerprint!, left - 1);
      baselined.push(f);
    } else fresh.push(f);
  }
  return { fresh, baselined };
}

/** Entries sorted so the file diffs well when it is re-recorded. */
export function serializeBaseline(entries: BaselineEntry[], now: Date): string {
  const sorted = [...entries].sort(
    (a, b) =>
      cmp(a.agent, b.agent) ||
      cmp(a.file, b.file) ||
      a.line - b.line ||
      cmp(a.ruleId, b.ruleId) ||
      cmp(a.fingerprint, b.fingerprint),
  );
  const doc: BaselineDoc = { version: BASELINE_VERSION, createdAt: now.toISOString(), entries: sorted };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** Reads a baseline file's text; `error` says what is wrong with it (the file may be hand-edited). */
export function parseBaseline(text: string): { entries: BaselineEntry[] } | { error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { error: `not valid JSON: ${(e as Error).message}` };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { error: 'expected a JSON object' };
  const o = doc as Record<string, unknown>;
  if (o.version !== BASELINE_VERSION)
    return { error: `expected "version": ${BASELINE_VERSION}, got ${JSON.stringify(o.version)}` };
  if (!Array.isArray(o.entries)) return { error: 'expected "entries" to be an array' };
  const entries: BaselineEntry[] = [];
  for (let i = 0; i < o.entries.length; i++) {
    const e = o.entries[i] as Record<string, unknown> | null;
    if (
      typeof e !== 'object' ||
      e === null ||
      typeof e.agent !== 'string' ||
      typeof e.fingerprint !== 'string' ||
      e.fingerprint === ''
    ) {
      return { error: `entries[${i}]: expected an object with "agent" and a non-empty "fingerprint"` };
    }
    entries.push({
      agent: e.agent,
      fingerprint: e.fingerprint,
      file: typeof e.file === 'string' ? e.file : '',
      line: typeof e.line === 'number' ? e.line : 0,
      ruleId: typeof e.ruleId === 'string' ? e.ruleId : '',
      message: typeof e.message === 'string' ? e.message : '',
    });
  }
  return { entries };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Text tools → findings, the idea of VS Code's problem matchers: each output line is tried against
// a single-line pattern with the parts of a problem as named groups; lines that do not match are
// someone else's output (progress, summaries, code frames) and are ignored.
import type { Finding, Severity } from '../../common/model';
import { buildFinding, severityFromWord, type ParseContext, type ParseResult, type RawFinding } from './finding';
import { relativize } from './paths';

export type PatternName = 'gcc' | 'tsc' | 'eslint-compact';
export interface RegexSpec {
  regex: string;
  /** for lines without a `severity` group, or with a severity word we do not know */
  severity?: Severity;
}

export const GROUP_NAMES = ['file', 'line', 'column', 'endLine', 'endColumn', 'severity', 'code', 'message'] as const;
const REQUIRED_GROUPS = ['file', 'line', 'message'] as const;

interface Matcher {
  re: RegExp;
  defaultSeverity: Severity;
  /** tsc: indented lines right after a problem elaborate on it ("Type 'x' is not ...") */
  continuation?: boolean;
}

// The drive-letter prefix lets `C:\src\a.c:3:1:` through; the rest of a file name stops at ':'.
const FILE = String.raw`(?<file>(?:[A-Za-z]:)?[^:\s][^:]*?)`;

const BUILTIN: Record<PatternName, Matcher> = {
  // gcc, clang, shellcheck -f gcc, and the many tools that imitate them:
  //   file:line:col: severity: message [rule]   (col optional; rule optional)
  // ShellCheck's info and style levels come out as "note".
  gcc: {
    re: new RegExp(
      String.raw`^${FILE}:(?<line>\d+):(?:(?<column>\d+):)?\s*(?<severity>fatal error|error|warning|note|remark|info):\s*` +
        String.raw`(?<message>.*?)(?:\s+\[(?<code>[^\]\s]+)\])?\s*$`,
    ),
    defaultSeverity: 'error',
  },
  // tsc --pretty false:  src/a.ts(12,5): error TS2322: message
  // tsc --pretty:        src/a.ts:12:5 - error TS2322: message   (ANSI colours are stripped first)
  // "Found N errors" and global errors without a file ("error TS6053: ...") do not match.
  tsc: {
    re: new RegExp(
      String.raw`^(?<file>[^\s].*?)(?:\((?<line>\d+),(?<column>\d+)\):\s*|:(?<line2>\d+):(?<column2>\d+)\s+-\s+)` +
        String.raw`(?<severity>error|warning|message|info)\s+(?<code>TS\d+)\s*:\s*(?<message>.*)$`,
    ),
    defaultSeverity: 'error',
    continuation: true,
  },
  // eslint -f compact:  /abs/file.js: line 3, col 7, Error - message (rule-id)
  // The rule must look like a rule id ("no-unused-vars", "@scope/plugin/rule") so that a parse
  // error message ending in "(3:4)" keeps its parenthesis.
  'eslint-compact': {
    re: new RegExp(
      String.raw`^(?<file>.+?): line (?<line>\d+), col (?<column>\d+), (?<severity>Error|Warning|Info) - ` +
        String.raw`(?<message>.*?)(?: \((?<code>[A-Za-z@][\w@/.-]*)\))?$`,
    ),
    defaultSeverity: 'warning',
  },
};

/** Colour and hyperlink escapes (CSI `ESC[...m`, OSC 8 `ESC]8;;url ESC\`): tools emit them when forced. */
const ANSI_RE = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

export function parsePattern(name: PatternName, text: string, ctx: ParseContext): ParseResult {
  const m = BUILTIN[name];
  if (!m) return { findings: [], error: `unknown problem pattern ${JSON.stringify(name)}` };
  return { findings: run(m, text, ctx) };
}

export function parseRegex(spec: RegexSpec, text: string, ctx: ParseContext): ParseResult {
  const compiled = compileRegexSpec(spec);
  if ('error' in compiled) return { findings: [], error: compiled.error };
  return { findings: run(compiled, text, ctx) };
}

// Compiled user patterns, keyed by source and default severity: an agent's pattern is compiled
// once, not per task. Bounded, since a hot-reloaded config may bring new patterns over time.
const cache = new Map<string, Matcher | { error: string }>();
const CACHE_MAX = 64;

/**
 * Compiles and checks a user pattern: `{ error }` says what is wrong with it (so the config loader
 * can report it too). Group names must come from GROUP_NAMES; an unknown one is an error, not
 * ignored, because it is most likely a typo ("col" for "column") that would silently lose data.
 * Decision: a line without a recognizable severity gets `spec.severity`, else "warning".
 */
export function compileRegexSpec(spec: RegexSpec): Matcher | { error: string } {
  const cacheKey = `${spec.severity ?? ''}\u0000${spec.regex}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  let out: Matcher | { error: string };
  try {
    const re = new RegExp(spec.regex);
    const names = groupNames(spec.regex);
    const unknown = names.filter((n) => !(GROUP_NAMES as readonly string[]).includes(n));
    const missing = REQUIRED_GROUPS.filter((n) => !names.includes(n));
    if (unknown.length) {
      out = {
        error: `output regex: unknown group ${unknown.map((n) => `(?<${n}>)`).join(', ')}; the groups are ${GROUP_NAMES.join(', ')}`,
      };
    } else if (missing.length) {
      out = {
        error: `output regex: missing the named group${missing.length > 1 ? 's' : ''} ${missing.map((n) => `(?<${n}>...)`).join(', ')}`,
      };
    } else {
      out = { re, defaultSeverity: spec.severity ?? 'warning' };
    }
  } catch (e) {
    out = { error: `output regex: invalid: ${(e as Error).message}` };
  }
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(cacheKey, out);
  return out;
}

/** The named capture groups of a regex source, skipping escapes and character classes. */
function groupNames(source: string): string[] {
  const names: string[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') i++;
    else if (inClass) inClass = ch !== ']';
    else if (ch === '[') inClass = true;
    else if (ch === '(' && source.startsWith('?<', i + 1) && !'=!'.includes(source[i + 3] ?? '')) {
      const m = /^\(\?<([A-Za-z_$][\w$]*)>/.exec(source.slice(i));
      if (m) names.push(m[1]!);
    }
  }
  return names;
}

function run(m: Matcher, text: string, ctx: ParseContext): Finding[] {
  const out: RawFinding[] = [];
  let open: RawFinding | undefined; // the last problem, while indented lines may still extend it
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(ANSI_RE, '').replace(/\r$/, '');
    const g = m.re.exec(line)?.groups;
    const f = g && toFinding(g, m.defaultSeverity, ctx);
    if (f) {
      out.push(f);
      open = m.continuation ? f : undefined;
    } else if (open && /^\s+\S/.test(line)) {
      open.message += `\n${line.trimEnd()}`;
    } else {
      open = undefined;
    }
  }
  return out.map((f) => buildFinding(f, ctx));
}

function toFinding(
  g: Record<string, string | undefined>,
  defaultSeverity: Severity,
  ctx: ParseContext,
): RawFinding | undefined {
  const file = g.file?.trim();
  const line = num(g.line ?? g.line2);
  if (!file || line === undefined || g.message === undefined) return undefined;
  const f: RawFinding = {
    file: relativize(file, ctx.workspace),
    line,
    severity: severityFromWord(g.severity) ?? defaultSeverity,
    message: g.message.trim(),
  };
  const column = num(g.column ?? g.column2);
  if (column !== undefined) f.column = column;
  const endLine = num(g.endLine);
  if (endLine !== undefined) f.endLine = endLine;
  const endColumn = num(g.endColumn);
  if (endColumn !== undefined) f.endColumn = endColumn;
  if (g.code) f.ruleId = g.code;
  return f;
}

function num(s: string | undefined): number | undefined {
  if (s === undefined || !/^\s*\d+\s*$/.test(s)) return undefined;
  return Number(s);
}

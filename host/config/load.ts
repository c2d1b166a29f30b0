// Reads and validates agentic_config.yaml: YAML → zod → semantic checks → ResolvedConfig.
// Every problem becomes a ConfigIssue with line:column, so the same list feeds the Problems panel,
// `agentic-bg config check` and the host's log. Nothing here throws on bad input.
import { isAlias, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { ConfigIssue } from '../../common/model';
import {
  configFileSchema,
  DEFAULT_CONFIG_FILE,
  resolveConfig,
  type RawConfigFile,
  type ResolvedConfig,
} from '../../common/configSchema';
import { duplicateKeyIssues } from './dupKeys';
import { formatPath, zodToConfigIssues } from './issues';
import { didYouMean, suggest } from './suggest';
import { readConfigText } from './readConfig';
import { locate, pos, type PathSeg } from './yamlPos';

export type LoadResult =
  | { ok: true; config: ResolvedConfig; raw: RawConfigFile; issues: ConfigIssue[] /* warnings only */ }
  | { ok: false; issues: ConfigIssue[] };

const byPosition = (a: ConfigIssue, b: ConfigIssue): number =>
  (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? Infinity) - (b.column ?? Infinity);

/**
 * Parses and validates the text of a config file. Positions are relative to `text`; `_file` is
 * taken so callers name what they parsed (formatIssue adds it to the rendered line).
 */
export function parseConfigText(text: string, _file: string): LoadResult {
  const lc = new LineCounter();
  // YAML 1.2 core: `on:` stays the string "on" (1.1 would make it `true`), `yes` is a string.
  // prettyErrors off: positions come from `lc`, and messages stay one line.
  const doc = parseDocument(text, {
    lineCounter: lc,
    prettyErrors: false,
    version: '1.2',
    schema: 'core',
    // yaml's check is quadratic in a mapping's size; dupKeys.ts does it in one pass below
    uniqueKeys: false,
  });
  const yamlIssue = (
    severity: ConfigIssue['severity'],
    e: { code: string; message: string; pos: [number, number] },
  ): ConfigIssue => {
    const [from, to] = e.pos;
    const start = pos(lc, from);
    const end = pos(lc, to);
    const message = e.message;
    return {
      severity,
      message,
      path: '',
      line: start.line,
      column: start.col,
      ...(to > from ? { endLine: end.line, endColumn: end.col } : {}),
    };
  };
  const warnings = doc.warnings.map((w) => yamlIssue('warning', w));
  const dups = duplicateKeyIssues(doc, lc);
  if (doc.errors.length > 0 || dups.length > 0) {
    return {
      ok: false,
      issues: [...doc.errors.map((e) => yamlIssue('error', e)), ...dups, ...warnings].sort(byPosition),
    };
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) ?? {}; // an empty file is an empty mapping
  } catch (err) {
    // Unresolvable or exploding aliases: yaml only finds them when building values.
    return {
      ok: false,
      issues: [{ severity: 'error', message: errorText(err), path: '', ...firstAlias(doc, lc) }, ...warnings],
    };
  }

  const parsed = configFileSchema.safeParse(data);
  if (!parsed.success) {
    return {
      ok: false,
      issues: [...zodToConfigIssues(parsed.error.issues, data, doc, lc), ...warnings].sort(byPosition),
    };
  }
  const raw = parsed.data;
  const checked = semanticIssues(raw, doc, lc);
  const errors = checked.filter((i) => i.severity === 'error');
  if (errors.length > 0) return { ok: false, issues: [...checked, ...warnings].sort(byPosition) };
  return { ok: true, config: resolveConfig(raw), raw, issues: [...checked, ...warnings].sort(byPosition) };
}

/** Checks the schema cannot express: references between sections, agents that cannot run. */
function semanticIssues(raw: RawConfigFile, doc: Document, lc: LineCounter): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const add = (severity: ConfigIssue['severity'], path: PathSeg[], message: string, preferKey = false): void => {
    out.push({ severity, message, path: formatPath(path), ...locate(doc, lc, path, preferKey) });
  };
  // A misspelt `background:` would silently run on defaults; AgenticScrum's own sections are fine.
  for (const key of Object.keys(raw)) {
    if (key !== 'background' && suggest(key, ['background']) !== undefined) {
      add('warning', [key], `top-level key "${key}" is ignored${didYouMean(key, ['background'])}`, true);
    }
  }
  const bg = raw.background;
  if (!bg) return out;
  const agents = bg.agents ?? {};
  const ids = Object.keys(agents);
  for (const [id, agent] of Object.entries(agents)) {
    if (!agent?.command && !agent?.builtin) {
      add(
        'warning',
        ['background', 'agents', id],
        `agent "${id}" has no command configured; it is listed but cannot run tasks`,
        true,
      );
    }
  }
  (bg.triggers ?? []).forEach((t, i) => {
    if (Object.hasOwn(agents, t.agent)) return;
    const known = ids.length ? `; agents are: ${ids.join(', ')}` : '; no agents are configured';
    add(
      'error',
      ['background', 'triggers', i, 'agent'],
      `background.triggers[${i}].agent: unknown agent "${t.agent}"${didYouMean(t.agent, ids)}${known}`,
    );
  });
  return out;
}

function firstAlias(doc: Document, lc: LineCounter): { line?: number; column?: number } {
  let at: number | undefined;
  visit(doc, {
    Alias(_, node) {
      if (isAlias(node) && node.range && at === undefined) at = node.range[0];
    },
  });
  if (at === undefined) return {};
  const p = pos(lc, at);
  return { line: p.line, column: p.col };
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Reads `file`; a missing file means the built-in default (AgenticScrum's `saa` on save). */
export async function loadConfigFile(file: string): Promise<{ exists: boolean } & LoadResult> {
  const r = await readConfigText(file);
  if (r.kind === 'missing') {
    return {
      exists: false,
      ok: true,
      config: resolveConfig(DEFAULT_CONFIG_FILE),
      raw: DEFAULT_CONFIG_FILE,
      issues: [],
    };
  }
  // too large, not UTF-8, unreadable (EACCES, EISDIR, EIO, ...)
  if (r.kind === 'refused') return { exists: true, ok: false, issues: [r.issue] };
  return { exists: true, ...parseConfigText(r.text, file) };
}

export { formatIssue } from './formatIssue';

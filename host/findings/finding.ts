// What every output parser takes and returns, and the one place a Finding is assembled, so all
// formats agree on positions (1-based, clamped) and on leaving unknown fields out rather than
// writing `undefined` (findings go over JSON-RPC and into the journal).
import type { Finding, Severity } from '../../common/model';

export interface ParseContext {
  /** absolute, no trailing slash */
  workspace: string;
  agent: string;
  taskId: string;
}

export interface ParseResult {
  findings: Finding[];
  /** set when the output is broken: says where. When set, `findings` is empty. */
  error?: string;
  /**
   * What was repaired or left out of a readable document, each naming its JSON path (a region
   * value out of range, a result that could not be read): the task's detail shows them.
   */
  warnings?: string[];
  /** SARIF results suppressed (every suppression accepted): counted on the task, not shown */
  suppressed?: number;
  /** the tool said its run did not succeed (SARIF invocations[].executionSuccessful: false) */
  executionFailed?: string;
}

export interface RawFinding {
  /** already relativized; '' for a task-level finding (no file location) */
  file: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  severity: Severity;
  ruleId?: string;
  message: string;
  fingerprint?: string;
}

/** A positive integer, or undefined for anything else (0, NaN, -1: "unknown" in most tools). */
function pos(n: number | undefined): number | undefined {
  return n !== undefined && Number.isInteger(n) && n >= 1 ? n : undefined;
}

/**
 * Builds a Finding. Positions: line/column default to 1 (tools print 0 for "unknown"); an end
 * before the start is dropped rather than reported, since the start alone still places the
 * finding. `endColumn` is exclusive (the column after the last character), as in SARIF and in a
 * VS Code Range; absent means "to the end of the line".
 */
export function buildFinding(raw: RawFinding, ctx: ParseContext): Finding {
  const line = pos(raw.line) ?? 1;
  const column = pos(raw.column) ?? 1;
  let endLine = pos(raw.endLine);
  let endColumn = pos(raw.endColumn);
  if (endLine !== undefined && endLine < line) {
    endLine = undefined;
    endColumn = undefined;
  }
  if (endColumn !== undefined && (endLine ?? line) === line && endColumn < column) endColumn = undefined;
  const f: Finding = {
    file: raw.file,
    line,
    column,
    severity: raw.severity,
    ruleId: raw.ruleId ?? '',
    message: raw.message,
    agent: ctx.agent,
    taskId: ctx.taskId,
  };
  if (endLine !== undefined) f.endLine = endLine;
  if (endColumn !== undefined) f.endColumn = endColumn;
  if (raw.fingerprint !== undefined && raw.fingerprint !== '') f.fingerprint = raw.fingerprint;
  return f;
}

/**
 * Severity words as tools print them → Severity. Case-insensitive; undefined for a word we do not
 * know, so the caller can fall back to its default instead of guessing.
 */
export function severityFromWord(word: string | undefined): Severity | undefined {
  switch (word?.trim().toLowerCase()) {
    case 'error':
    case 'err':
    case 'e':
    case 'fatal':
    case 'fatal error':
    case 'critical':
      return 'error';
    case 'warning':
    case 'warn':
    case 'w':
      return 'warning';
    case 'info':
    case 'information':
    case 'informational':
    case 'note':
    case 'remark':
    case 'message': // tsc's third category
    case 'i':
      return 'info';
    case 'hint':
    case 'none': // SARIF's level for "not a problem, just telling you"
    case 'style': // shellcheck -f gcc never prints it, but its other formats do
      return 'hint';
    default:
      return undefined;
  }
}

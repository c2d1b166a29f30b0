// An agent's output → findings, per its configured `output` format. The one entry point the task
// runner calls; the formats themselves live in sarif.ts and problemPattern.ts.
import type { OutputFormat } from '../../common/configSchema';
import type { Finding } from '../../common/model';
import { asObject, optInt, optString, ShapeError, type Json } from './check';
import { buildFinding, severityFromWord, type ParseContext, type ParseResult, type RawFinding } from './finding';
import { parseJsonLocated } from './jsonError';
import { relativize } from './paths';
import { parsePattern, parseRegex } from './problemPattern';
import { parseSarif } from './sarif';

export type { ParseContext, ParseResult } from './finding';
export { relativize } from './paths';

/**
 * Parses `stdout` as `format` says. For `{ kind: 'sarif', file }` the caller reads the file and
 * passes its content as `stdout`: this module does no I/O.
 */
export function parseOutput(format: OutputFormat, stdout: string, ctx: ParseContext): ParseResult {
  switch (format.kind) {
    case 'sarif':
      return parseSarif(stdout, ctx);
    case 'text':
      return { findings: [] }; // the output is only for the task log
    case 'findings-json':
      return parseFindingsJson(stdout, ctx);
    case 'pattern':
      return parsePattern(format.name, stdout, ctx);
    case 'regex':
      return parseRegex(
        format.severity ? { regex: format.regex, severity: format.severity } : { regex: format.regex },
        stdout,
        ctx,
      );
    default: {
      const never: never = format;
      return { findings: [], error: `unknown output format ${JSON.stringify(never)}` };
    }
  }
}

/**
 * The simplest format for agents we write ourselves: one JSON object per line,
 *   {"file":"src/a.ts","line":3,"column":7,"severity":"warning","ruleId":"x","message":"..."}
 * with column, endLine, endColumn, severity (default "warning"), ruleId and fingerprint optional.
 * A single JSON array of such objects is accepted too, since `JSON.stringify(findings)` is the
 * obvious thing to print. Blank lines are skipped; any other line that is not a finding is an
 * error naming its line: an agent that speaks this format owns its stdout, so stray output is a
 * bug worth seeing, and guessing would risk clearing findings on a half-printed run.
 */
export function parseFindingsJson(stdout: string, ctx: ParseContext): ParseResult {
  const findings: Finding[] = [];
  const trimmed = stdout.trim();
  if (trimmed.startsWith('[')) {
    const parsed = parseJsonLocated(trimmed);
    if ('error' in parsed) return { findings: [], error: `findings-json: ${parsed.error}` };
    if (!Array.isArray(parsed.value)) return { findings: [], error: 'findings-json: expected an array' };
    try {
      parsed.value.forEach((v, i) => findings.push(toFinding(v, `[${i}]`, ctx)));
    } catch (e) {
      if (e instanceof ShapeError) return { findings: [], error: `findings-json: ${e.message}` };
      throw e;
    }
    return { findings };
  }
  const lines = stdout.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === '') continue;
    const where = `findings-json, stdout line ${n + 1}`;
    const parsed = parseJsonLocated(line);
    if ('error' in parsed) {
      const col = parsed.at ? `, column ${parsed.at.column}` : '';
      return { findings: [], error: `${where}${col}: invalid JSON: ${parsed.at?.reason ?? parsed.error}` };
    }
    try {
      findings.push(toFinding(parsed.value, '', ctx));
    } catch (e) {
      if (e instanceof ShapeError) return { findings: [], error: `${where}: ${e.message}` };
      throw e;
    }
  }
  return { findings };
}

function toFinding(v: unknown, path: string, ctx: ParseContext): Finding {
  const at = (k: string) => (path ? `${path}.${k}` : k);
  const o: Json = asObject(v, path || 'the line');
  const file = optString(o.file, at('file'));
  if (!file) throw new ShapeError(at('file'), 'expected a non-empty string');
  const line = optInt(o.line, at('line'), 1);
  if (line === undefined) throw new ShapeError(at('line'), 'expected a positive integer, got nothing');
  const message = optString(o.message, at('message'));
  if (message === undefined) throw new ShapeError(at('message'), 'expected a string, got nothing');
  const word = optString(o.severity, at('severity'));
  const severity = word === undefined ? 'warning' : severityFromWord(word);
  if (!severity)
    throw new ShapeError(at('severity'), `expected error, warning, info or hint, got ${JSON.stringify(word)}`);
  const raw: RawFinding = { file: relativize(file, ctx.workspace), line, severity, message };
  const column = optInt(o.column, at('column'), 1);
  const endLine = optInt(o.endLine, at('endLine'), 1);
  const endColumn = optInt(o.endColumn, at('endColumn'), 1);
  const ruleId = optString(o.ruleId, at('ruleId'));
  const fingerprint = optString(o.fingerprint, at('fingerprint'));
  if (column !== undefined) raw.column = column;
  if (endLine !== undefined) raw.endLine = endLine;
  if (endColumn !== undefined) raw.endColumn = endColumn;
  if (ruleId !== undefined) raw.ruleId = ruleId;
  if (fingerprint !== undefined) raw.fingerprint = fingerprint;
  return buildFinding(raw, ctx);
}

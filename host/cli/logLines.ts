// How `agentic-bg logs` shows host log records: one line per record. A line of host.log that is
// not a record (torn by a crash mid-write, or edited by hand) is shown as such, never fatal.
import type { LogRecord } from '../../common/model';

const MAX_SHOWN = 200;

/** A record as one terminal line: time, level, message and the other fields as JSON. */
export function fmtLogRecord(r: LogRecord): string {
  const { time, level, msg, ...rest } = r;
  const extra = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
  return `${time} ${level.toUpperCase().padEnd(5)} ${msg}${extra}`;
}

/** A line of host.log (its 1-based number in the file) as a terminal line. */
export function fmtLogLine(line: string, lineNo: number): string {
  let rec: unknown;
  try {
    rec = JSON.parse(line);
  } catch {
    return unreadable(line, lineNo, 'not JSON');
  }
  if (!isRecord(rec)) return unreadable(line, lineNo, 'not a log record');
  return fmtLogRecord(rec);
}

function isRecord(x: unknown): x is LogRecord {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const r = x as Record<string, unknown>;
  return typeof r.time === 'string' && typeof r.level === 'string' && typeof r.msg === 'string';
}

function unreadable(line: string, lineNo: number, why: string): string {
  const shown = line.length > MAX_SHOWN ? `${line.slice(0, MAX_SHOWN)}…` : line;
  return `[host.log line ${lineNo}: unreadable, ${why}] ${shown}`;
}

/** The last `n` lines of host.log's text, formatted; a torn or foreign line is marked, not fatal. */
export function fmtLogTail(text: string, n: number): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const from = Math.max(0, lines.length - n);
  const out: string[] = [];
  for (let i = from; i < lines.length; i++) if (lines[i]!.trim()) out.push(fmtLogLine(lines[i]!, i + 1));
  return out;
}

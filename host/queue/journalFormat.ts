// The line format of the queue journal (`.agentic/queue.jsonl`, ARCHITECTURE.md: Invariants, Durability) and its parser.
// Pure (bytes in, result out) so the recovery rules can be tested without files; journal.ts does
// the I/O. One JSON record per line, each line ends with '\n'.
import { PRIORITIES, TASK_STATES, type TaskInfo } from '../../common/model';

export type JournalRecord = { v: 1; op: 'put'; task: TaskInfo } | { v: 1; op: 'del'; id: string };

export interface ParsedJournal {
  /** live tasks (last put per id, minus deleted) in first-seen order, with the size of that put's line */
  live: Map<string, { task: TaskInfo; bytes: number }>;
  /** 1-based numbers of bad lines that are not the last line: corruption */
  badLines: number[];
  /** the last line was incomplete or unparsable and is not part of the journal */
  tornTail: boolean;
  /** bytes from the start that hold complete lines: the file is truncated to this */
  keepBytes: number;
  lines: number;
}

const STATES = new Set<string>(TASK_STATES);
const PRIOS = new Set<string>(PRIORITIES);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The fields a task must have for the scheduler to act on it after a restart. Checked on append
 * too: a record that would not replay must never reach the file, or it would read as corruption.
 */
export function isTaskInfo(v: unknown): v is TaskInfo {
  if (!isObject(v)) return false;
  return (
    typeof v.id === 'string' &&
    v.id !== '' &&
    typeof v.agent === 'string' &&
    typeof v.task === 'string' &&
    typeof v.key === 'string' &&
    typeof v.state === 'string' &&
    STATES.has(v.state) &&
    typeof v.priority === 'string' &&
    PRIOS.has(v.priority) &&
    Array.isArray(v.files) &&
    v.files.every((f) => typeof f === 'string') &&
    typeof v.attempts === 'number' &&
    typeof v.maxAttempts === 'number' &&
    typeof v.createdAt === 'string' &&
    typeof v.updatedAt === 'string'
  );
}

export function isJournalRecord(v: unknown): v is JournalRecord {
  if (!isObject(v) || v.v !== 1) return false;
  if (v.op === 'del') return typeof v.id === 'string' && v.id !== '';
  if (v.op === 'put') return isTaskInfo(v.task);
  return false;
}

/** One line, '\n' included. Throws on a record that would not replay. */
export function serializeRecord(record: JournalRecord): string {
  if (!isJournalRecord(record))
    throw new TypeError('not a valid journal record (v: 1, op put with a TaskInfo, or del with an id)');
  return JSON.stringify(record) + '\n';
}

interface PendingLine {
  lineNo: number;
  start: number;
  lineBytes: number;
  result: LineResult;
}

type LineResult =
  { kind: 'blank' } | { kind: 'unparsable' } | { kind: 'badShape' } | { kind: 'ok'; record: JournalRecord };

function parseLine(text: string): LineResult {
  if (text.trim() === '') return { kind: 'blank' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'unparsable' };
  }
  return isJournalRecord(value) ? { kind: 'ok', record: value } : { kind: 'badShape' };
}

/**
 * Recovery rules:
 * - bytes after the last '\n' are a write that did not finish (torn tail): ignored;
 * - if the last non-blank complete line does not parse as JSON, it is torn too (a crash can leave
 *   garbage or zero bytes at the end that happen to include a newline): ignored;
 * - any other bad line (unparsable, or JSON of the wrong shape anywhere — a cut write never yields
 *   valid JSON) is corruption, reported in badLines; the valid records around it still count.
 */
export function parseJournal(buf: Buffer): ParsedJournal {
  const live = new Map<string, { task: TaskInfo; bytes: number }>();
  const badLines: number[] = [];
  const lastNl = buf.lastIndexOf(0x0a);
  const completeEnd = lastNl + 1; // 0 when there is no newline at all
  let tornTail = completeEnd < buf.length;
  let keepBytes = completeEnd;

  // Walk the complete lines once, remembering where the last non-blank one started, so a torn
  // last line can be cut off at its first byte.
  let pending: PendingLine | undefined;
  let lineNo = 0;
  const settle = (p: PendingLine, isLast: boolean): void => {
    const r = p.result;
    if (r.kind === 'ok') {
      if (r.record.op === 'put') {
        // Updating in place keeps the task at its first-seen position.
        const prev = live.get(r.record.task.id);
        if (prev) {
          prev.task = r.record.task;
          prev.bytes = p.lineBytes;
        } else live.set(r.record.task.id, { task: r.record.task, bytes: p.lineBytes });
      } else live.delete(r.record.id);
    } else if (r.kind === 'unparsable' && isLast && !tornTail) {
      tornTail = true;
      keepBytes = p.start;
    } else {
      badLines.push(p.lineNo);
    }
  };
  for (let start = 0; start < completeEnd;) {
    const nl = buf.indexOf(0x0a, start);
    lineNo++;
    const result = parseLine(buf.toString('utf8', start, nl));
    if (result.kind !== 'blank') {
      if (pending) settle(pending, false);
      pending = { lineNo, start, result, lineBytes: nl + 1 - start };
    }
    start = nl + 1;
  }
  if (pending) settle(pending, true);
  return { live, badLines, tornTail, keepBytes, lines: lineNo };
}

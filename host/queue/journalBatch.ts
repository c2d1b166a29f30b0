// The journal's groups (group commit, journal.ts): what a group holds, how a task's puts in it
// collapse to one, when it may be written (urgent: after this turn; lazy: after a delay), and how
// the file is opened so a write is its own sync (O_DSYNC).
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { TaskInfo } from '../../common/model';
import type { JournalRecord } from './journalFormat';

export interface Batch {
  /** snapshots, serialized when the group is written */
  records: JournalRecord[];
  /** task id → index in records of its put, for the puts that a later put of the task replaces */
  puts: Map<string, number>;
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
  /** resolved when the group may be written (its turn is over, or its lazy delay) */
  ready: Promise<void>;
  go: () => void;
  /** the lazy delay's timer; undefined once the group was made urgent */
  timer: NodeJS.Timeout | undefined;
  urgent: boolean;
}

/** Adds snapshots to a group; a put of a task already in it replaces that one in place. */
export function addToBatch(batch: Batch, records: JournalRecord[]): void {
  for (const r of records) {
    if (r.op === 'put') {
      const at = batch.puts.get(r.task.id);
      if (at !== undefined) batch.records[at] = r;
      else batch.puts.set(r.task.id, batch.records.push(r) - 1);
    } else {
      batch.puts.delete(r.id); // a put after the del (none should come) must land after it
      batch.records.push(r);
    }
  }
}

export function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  let go!: () => void;
  const ready = new Promise<void>((res) => (go = res));
  return { records: [], puts: new Map(), promise, resolve, reject, ready, go, timer: undefined, urgent: false };
}

/** the group is written after this turn of the event loop (or after the write ahead of it) */
export function urge(b: Batch): void {
  if (b.urgent) return;
  b.urgent = true;
  if (b.timer) clearTimeout(b.timer);
  b.timer = undefined;
  setImmediate(b.go);
}

/** where the platform has O_DSYNC (not Windows), a durable handle syncs every write itself */
export const SYNC_ON_WRITE = constants.O_DSYNC !== undefined;

/** append-only; durable: O_DSYNC, so every write is on stable storage when it returns */
export function openForAppend(file: string, durable: boolean): Promise<FileHandle> {
  const { O_WRONLY, O_APPEND, O_CREAT, O_DSYNC } = constants;
  return durable && SYNC_ON_WRITE ? open(file, O_WRONLY | O_APPEND | O_CREAT | O_DSYNC, 0o600) : open(file, 'a', 0o600);
}

/** what the record holds: the task as it is now (its attempt records are updated in place later) */
export function snapshot(t: TaskInfo): TaskInfo {
  return t.attemptLog ? { ...t, attemptLog: t.attemptLog.map((a) => ({ ...a })) } : { ...t };
}

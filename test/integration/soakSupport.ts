// What the chaos soak (chaos.soak.test.ts) reads: a seeded random generator so a run can be
// replayed, runs.log as written by test/fixtures/agents/record.js, and the journal on disk.
import { existsSync, readFileSync } from 'node:fs';
import type { TaskInfo } from '../../common/model';

/** mulberry32: a small seeded PRNG, [0, 1) */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RunLog {
  /** complete lines so far */
  length: number;
  starts: Array<{ id: string; line: number }>;
  /** line numbers (0-based) of the task's starts at or after line `from` */
  startsAfter(id: string, from: number): number[];
  /** how many runs of the task recorded their end */
  ends(id: string): number;
}

/** runs.log: "start ID ATTEMPT" and "end ID" lines; a torn last line (an agent killed mid-write) is left out */
export function lines(file: string): RunLog {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const all = text.split('\n').slice(0, -1);
  const starts: RunLog['starts'] = [];
  const ends = new Map<string, number>();
  all.forEach((l, line) => {
    const [kind, id] = l.split(' ');
    if (!id) return;
    if (kind === 'start') starts.push({ id, line });
    else if (kind === 'end') ends.set(id, (ends.get(id) ?? 0) + 1);
  });
  return {
    length: all.length,
    starts,
    startsAfter: (id, from) => starts.filter((s) => s.id === id && s.line >= from).map((s) => s.line),
    ends: (id) => ends.get(id) ?? 0,
  };
}

/** the tasks the journal file holds (last put per id, minus deletions); unparsable lines are skipped */
export function parseJournal(file: string): TaskInfo[] {
  const tasks = new Map<string, TaskInfo>();
  if (!existsSync(file)) return [];
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    if (!l) continue;
    try {
      const r = JSON.parse(l) as { op: string; task?: TaskInfo; id?: string };
      if (r.op === 'put' && r.task) tasks.set(r.task.id, r.task);
      else if (r.op === 'del' && r.id) tasks.delete(r.id);
    } catch {
      // a torn last line
    }
  }
  return [...tasks.values()];
}

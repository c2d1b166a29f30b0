// Every task the host knows, indexed for the scheduler: by id, by coalescing key (at most one
// queued and one running per key), by state (counts), plus the bounded history of finished tasks.
// Pure: no I/O, no timers; time comes in as arguments. The scheduler journals what this returns.
import type { Priority, QueueCounts, TaskInfo, TaskState } from '../../common/model';
import { TASK_STATES, isFinal } from '../../common/model';

export interface NewTask {
  id: string;
  agent: string;
  task: string;
  key: string;
  files: string[];
  params?: Record<string, unknown>;
  priority: Priority;
  maxAttempts: number;
  timeoutMs?: number;
  source?: string;
}

interface KeySlot {
  queued?: string;
  running?: string;
}

export function emptyCounts(): QueueCounts {
  return Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as QueueCounts;
}

export class TaskStore {
  private readonly tasks = new Map<string, TaskInfo>();
  private readonly byKey = new Map<string, KeySlot>();
  /** finished task ids, oldest first; trimmed to historyLimit */
  private readonly history: string[] = [];
  private readonly counts = emptyCounts();

  constructor(private historyLimit = 1000) {}

  setHistoryLimit(n: number): string[] {
    this.historyLimit = n;
    return this.trimHistory();
  }

  get(id: string): TaskInfo | undefined {
    return this.tasks.get(id);
  }
  get size(): number {
    return this.tasks.size;
  }
  all(): IterableIterator<TaskInfo> {
    return this.tasks.values();
  }
  countsByState(): QueueCounts {
    return { ...this.counts };
  }
  /** the queued task holding this key, if any: a new submit with the same key replaces its params */
  queuedWithKey(key: string): TaskInfo | undefined {
    const id = this.byKey.get(key)?.queued;
    return id ? this.tasks.get(id) : undefined;
  }
  isKeyRunning(key: string): boolean {
    return this.byKey.get(key)?.running !== undefined;
  }

  /** Adds a task restored from the journal (any state). Returns ids dropped from history. */
  restore(t: TaskInfo): string[] {
    this.tasks.set(t.id, t);
    this.counts[t.state]++;
    this.index(t);
    if (isFinal(t.state)) {
      this.history.push(t.id);
      return this.trimHistory();
    }
    return [];
  }

  create(n: NewTask, now: Date): TaskInfo {
    const iso = now.toISOString();
    const t: TaskInfo = {
      id: n.id,
      agent: n.agent,
      task: n.task,
      state: 'queued',
      priority: n.priority,
      key: n.key,
      files: n.files,
      attempts: 0,
      maxAttempts: n.maxAttempts,
      createdAt: iso,
      updatedAt: iso,
    };
    if (n.params) t.params = n.params;
    if (n.timeoutMs !== undefined) t.timeoutMs = n.timeoutMs;
    if (n.source) t.source = n.source;
    t.attemptLog = [];
    this.tasks.set(t.id, t);
    this.counts.queued++;
    this.index(t);
    return t;
  }

  /**
   * Moves a task to a new state and applies the patch. Returns the ids that fell out of the
   * bounded history (the caller journals their deletion).
   */
  transition(id: string, state: TaskState, patch: Partial<TaskInfo>, now: Date): string[] {
    const t = this.tasks.get(id);
    if (!t) throw new Error(`unknown task ${id}`);
    this.unindex(t);
    this.counts[t.state]--;
    if (isFinal(t.state) && !isFinal(state)) {
      // a finished task retried by the user leaves the history until it finishes again
      const i = this.history.indexOf(id);
      if (i >= 0) this.history.splice(i, 1);
    }
    Object.assign(t, patch);
    t.state = state;
    t.updatedAt = now.toISOString();
    this.counts[state]++;
    this.index(t);
    if (isFinal(state)) {
      this.history.push(id);
      return this.trimHistory();
    }
    return [];
  }

  /** Removes a task as if it had never been accepted (its submit could not be made durable). */
  forget(id: string): void {
    const t = this.tasks.get(id);
    if (!t) return;
    this.unindex(t);
    this.counts[t.state]--;
    const i = this.history.indexOf(id);
    if (i >= 0) this.history.splice(i, 1);
    this.tasks.delete(id);
  }

  /** Updates fields without a state change (e.g. coalesced params, pid). */
  patch(id: string, patch: Partial<TaskInfo>, now: Date): TaskInfo {
    const t = this.tasks.get(id);
    if (!t) throw new Error(`unknown task ${id}`);
    Object.assign(t, patch);
    t.updatedAt = now.toISOString();
    return t;
  }

  /** Live (non-final) tasks plus the retained history: what a compaction keeps. */
  snapshot(): TaskInfo[] {
    return [...this.tasks.values()];
  }

  list(filter: { states?: Set<TaskState>; agent?: string; limit?: number }): { tasks: TaskInfo[]; total: number } {
    const out: TaskInfo[] = [];
    for (const t of this.tasks.values()) {
      if (filter.states && !filter.states.has(t.state)) continue;
      if (filter.agent && t.agent !== filter.agent) continue;
      out.push(t);
    }
    // newest first: createdAt, then id (ids are time-ordered)
    out.sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
    return { tasks: filter.limit ? out.slice(0, filter.limit) : out, total: out.length };
  }

  private index(t: TaskInfo): void {
    if (t.state !== 'queued' && t.state !== 'running' && t.state !== 'retrying') return;
    const slot = this.byKey.get(t.key) ?? {};
    // a retrying task holds the queued slot: a new submit with its key coalesces into it
    if (t.state === 'running') slot.running = t.id;
    else slot.queued = t.id;
    this.byKey.set(t.key, slot);
  }

  private unindex(t: TaskInfo): void {
    const slot = this.byKey.get(t.key);
    if (!slot) return;
    if (slot.running === t.id) delete slot.running;
    if (slot.queued === t.id) delete slot.queued;
    if (!slot.running && !slot.queued) this.byKey.delete(t.key);
  }

  private trimHistory(): string[] {
    const dropped: string[] = [];
    while (this.history.length > this.historyLimit) {
      const id = this.history.shift()!;
      const t = this.tasks.get(id);
      // a retried task left history: only drop it if it is still final
      if (t && isFinal(t.state)) {
        this.tasks.delete(id);
        this.counts[t.state]--;
        dropped.push(id);
      }
    }
    return dropped;
  }
}

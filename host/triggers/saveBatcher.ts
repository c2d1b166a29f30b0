// How saves gather within a trigger's debounce window, and how a closed window becomes submit
// items: one task per file, or one task with all files for an agent with `batch: true` or for a
// burst (a `git checkout`, a formatter over the tree). Pure, no I/O: tested with fake time.
import type { SubmitItem } from '../../common/protocol';
import { targetKey, type SaveTarget } from './triggerMatcher';

export interface PendingBatch {
  target: SaveTarget;
  files: string[]; // in save order, unique
  firstAt: number;
  lastAt: number;
}

/**
 * More files than this in one closed window is a burst, not someone saving: every agent gets one
 * task with all of them, so a checkout of thousands of files is one run per (agent, task).
 */
export const BURST_FILES = 100;

/**
 * Gathers saves per (agent, task). A window closes `debounce` after its last save (a burst of saves
 * is one submit), but never later than maxWait after its first (10 × debounce, at least 5 s), so
 * an auto-save every few hundred ms still gets its file audited now and then. Activity that is
 * not yet a save (a watcher's events still being read, a report still being stat'ed) keeps open
 * windows open as a save would: a checkout read in pieces is still one window.
 */
export class SaveBatcher {
  private readonly pending = new Map<string, PendingBatch & { seen: Set<string> }>();
  private lastActivity = -Infinity;

  constructor(
    private readonly maxWaitFactor = 10,
    private readonly minMaxWaitMs = 5000,
  ) {}

  add(target: SaveTarget, file: string, now: number): void {
    const k = targetKey(target);
    const b = this.pending.get(k);
    if (!b) {
      this.pending.set(k, { target, files: [file], seen: new Set([file]), firstAt: now, lastAt: now });
      return;
    }
    // a Set, not files.includes: a checkout adds thousands of files to one window
    if (!b.seen.has(file)) {
      b.seen.add(file);
      b.files.push(file);
    }
    b.lastAt = now;
  }

  /** Something that may still become saves happened now: open windows wait for it. */
  touch(now: number): void {
    this.lastActivity = Math.max(this.lastActivity, now);
  }

  /** hold: saves are still being read; only a window at its maxWait closes. */
  private dueAt(b: PendingBatch, hold: boolean): number {
    const d = b.target.debounceMs;
    const hard = b.firstAt + maxWaitMs(d, this.maxWaitFactor, this.minMaxWaitMs);
    return hold ? hard : Math.min(Math.max(b.lastAt, this.lastActivity) + d, hard);
  }

  /** When the earliest window closes, or undefined when nothing is pending. */
  nextDue(hold = false): number | undefined {
    let next: number | undefined;
    for (const b of this.pending.values()) {
      const t = this.dueAt(b, hold);
      if (next === undefined || t < next) next = t;
    }
    return next;
  }

  takeDue(now: number, hold = false): PendingBatch[] {
    const out: PendingBatch[] = [];
    for (const [k, b] of this.pending) {
      if (this.dueAt(b, hold) <= now) {
        out.push({ target: b.target, files: b.files, firstAt: b.firstAt, lastAt: b.lastAt });
        this.pending.delete(k);
      }
    }
    return out;
  }

  get size(): number {
    return this.pending.size;
  }

  clear(): void {
    this.pending.clear();
  }
}

/** The longest a window stays open: 10 × debounce, at least 5 s. */
export function maxWaitMs(debounceMs: number, factor = 10, min = 5000): number {
  return Math.max(debounceMs * factor, min);
}

/**
 * Closed windows → submit items: all files in one task for a batch agent or a burst, else one per
 * file. No key: the scheduler's default (agent, task, sorted files) is the one coalescing key, so
 * a save and a CLI submit of the same work coalesce too.
 */
export function toSubmitItems(
  batches: readonly PendingBatch[],
  isBatchAgent: (id: string) => boolean,
  burstFiles = BURST_FILES,
): SubmitItem[] {
  const items: SubmitItem[] = [];
  for (const b of batches) {
    const { agent, task, priority } = b.target;
    const together = isBatchAgent(agent) || b.files.length > burstFiles;
    const groups = together ? [[...b.files].sort()] : b.files.map((f) => [f]);
    for (const files of groups) items.push({ agent, task, files, ...(priority ? { priority } : {}) });
  }
  return items;
}

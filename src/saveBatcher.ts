// On-save decisions, free of I/O so they are tested with fake time: which (agent, task) a saved
// file triggers, how saves gather within a trigger's debounce window, and how a window becomes
// submit items (one task per file, or one task with all files for an agent with `batch: true`).
import picomatch from 'picomatch';
import type { TriggerConfig } from '../common/configSchema';
import type { Priority } from '../common/model';
import type { SubmitItem } from '../common/protocol';

export interface AgentMeta {
  id: string;
  batch: boolean;
  kind: 'command' | 'builtin' | 'none';
  enabled: boolean;
}

export interface SaveTarget {
  agent: string;
  task: string;
  debounceMs: number;
  priority?: Priority;
}

/** The host's own data never triggers anything (its journal and logs change on every run). */
const IGNORED = /^\.agentic(\/|$)/;

export class TriggerMatcher {
  private readonly rules: Array<{ test: (p: string) => boolean; target: SaveTarget }> = [];

  /** builtinOnly: an untrusted workspace submits nothing the workspace file defines as a command. */
  constructor(triggers: readonly TriggerConfig[], agents: readonly AgentMeta[], opts: { builtinOnly: boolean }) {
    const byId = new Map(agents.map((a) => [a.id, a]));
    for (const t of triggers) {
      if (t.on !== 'save') continue;
      const a = byId.get(t.agent);
      if (!a || !a.enabled || a.kind === 'none' || (opts.builtinOnly && a.kind !== 'builtin')) continue;
      const test = picomatch(t.files, { dot: true });
      this.rules.push({
        test,
        target: {
          agent: t.agent,
          task: t.task,
          debounceMs: t.debounceMs,
          ...(t.priority ? { priority: t.priority } : {}),
        },
      });
    }
  }

  get size(): number {
    return this.rules.length;
  }

  /** The targets a workspace-relative path (forward slashes) triggers, one per (agent, task). */
  match(rel: string): SaveTarget[] {
    if (IGNORED.test(rel)) return [];
    const out = new Map<string, SaveTarget>();
    for (const r of this.rules) {
      if (!r.test(rel)) continue;
      const k = groupKey(r.target);
      const prev = out.get(k);
      // two triggers for the same work: the shorter debounce wins
      if (!prev || r.target.debounceMs < prev.debounceMs) out.set(k, r.target);
    }
    return [...out.values()];
  }
}

export interface PendingBatch {
  target: SaveTarget;
  files: string[]; // in save order, unique
  firstAt: number;
  lastAt: number;
}

function groupKey(t: SaveTarget): string {
  return JSON.stringify([t.agent, t.task]);
}

/**
 * Gathers saves per (agent, task). A window closes `debounce` after its last save (a burst of saves
 * is one submit), but never later than maxWait after its first (10 × debounce, at least 5 s), so
 * an auto-save every few hundred ms still gets its file audited now and then.
 */
export class SaveBatcher {
  private readonly pending = new Map<string, PendingBatch>();

  constructor(
    private readonly maxWaitFactor = 10,
    private readonly minMaxWaitMs = 5000,
  ) {}

  add(target: SaveTarget, file: string, now: number): void {
    const k = groupKey(target);
    const b = this.pending.get(k);
    if (!b) {
      this.pending.set(k, { target, files: [file], firstAt: now, lastAt: now });
      return;
    }
    if (!b.files.includes(file)) b.files.push(file);
    b.lastAt = now;
  }

  private dueAt(b: PendingBatch): number {
    const d = b.target.debounceMs;
    return Math.min(b.lastAt + d, b.firstAt + Math.max(d * this.maxWaitFactor, this.minMaxWaitMs));
  }

  /** When the earliest window closes, or undefined when nothing is pending. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const b of this.pending.values()) {
      const t = this.dueAt(b);
      if (next === undefined || t < next) next = t;
    }
    return next;
  }

  takeDue(now: number): PendingBatch[] {
    const out: PendingBatch[] = [];
    for (const [k, b] of this.pending) {
      if (this.dueAt(b) <= now) {
        out.push(b);
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

/**
 * The coalescing key: the same shape as the host's default (agent, task, sorted unique files), so
 * a save and a CLI submit of the same work coalesce too. The host keeps at most one running and
 * one queued task per key, the queued one taking the latest params.
 */
export function saveKey(agent: string, task: string, files: readonly string[]): string {
  const unique = [...new Set(files)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([agent, task, unique]);
}

/** A closed window → submit items: all files in one task for a batch agent, else one per file. */
export function toSubmitItems(batches: readonly PendingBatch[], isBatchAgent: (id: string) => boolean): SubmitItem[] {
  const items: SubmitItem[] = [];
  for (const b of batches) {
    const { agent, task, priority } = b.target;
    const groups = isBatchAgent(agent) ? [[...b.files].sort()] : b.files.map((f) => [f]);
    for (const files of groups)
      items.push({ agent, task, files, key: saveKey(agent, task, files), ...(priority ? { priority } : {}) });
  }
  return items;
}

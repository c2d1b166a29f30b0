// The in-memory queue of tasks waiting to start (priority, FIFO within a priority,
// aging so low never starves, per-agent concurrency, at most one running task per key).
//
// Pure: no I/O, no timers; the scheduler passes the time and its view of capacity and running keys
// in a DispatchContext, so tests drive it with fake time.
//
// Structure: per agent, three FIFO lists (one per priority), doubly linked, plus one Map id → node
// for O(1) `has` and `remove`. Within a list the head is the oldest entry, so it is also the one
// that has aged most: only the first entry of each list whose key is not running can be the
// winner. A dispatch therefore looks at, per agent with capacity, three heads plus the key-blocked
// entries in front of them.
//
// Complexity (n queued, A agents with queued tasks, B key-blocked entries skipped):
//   add, remove, has, get, size, countByAgent: O(1); agents(): O(A)
//   peek, pop: O(A + B) calls of the context callbacks; no sorting. With coalescing (at most one
//     queued task per key) B is bounded by the number of running tasks.
//   entries(): O(n log n), for listings only.
// Aging is exact when enqueuedAt does not decrease in insertion order within one agent and
// priority (the normal case: the scheduler stamps entries as it adds them); otherwise the head of
// a list stands in for the whole list and aging is approximate.
import type { Priority } from '../../common/model';

export interface QueueEntry {
  id: string;
  agent: string;
  priority: Priority;
  key: string;
  enqueuedAt: number; // ms
}

export interface DispatchContext {
  now: number;
  /** can this agent start one more task now? (its concurrency, quarantine, ...) */
  agentHasCapacity(agent: string): boolean;
  /** keys with a running task: a second task with the same key must not start (at most one running per key) */
  isKeyRunning(key: string): boolean;
}

export const DEFAULT_AGING_MS = 30_000;

const RANK: Record<Priority, number> = { high: 0, medium: 1, low: 2 };

interface Node {
  entry: QueueEntry;
  seq: number; // global insertion order: the FIFO and tie-break order
  rank: number; // base rank of the entry's priority
  prev: Node | undefined;
  next: Node | undefined;
  list: List;
}

interface List {
  head: Node | undefined;
  tail: Node | undefined;
}

interface AgentBucket {
  lists: [List, List, List]; // indexed by base rank
  count: number;
}

interface Candidate {
  node: Node;
  effRank: number;
}

export class PriorityQueue {
  private readonly agingMs: number;
  private readonly nodes = new Map<string, Node>();
  // Map keeps agents in first-seen order; empty buckets are dropped so the dispatch loop only
  // visits agents that have something queued.
  private readonly buckets = new Map<string, AgentBucket>();
  private seq = 0;

  constructor(opts: { agingMs?: number /* default 30_000: each agingMs waited promotes one level */ } = {}) {
    const agingMs = opts.agingMs ?? DEFAULT_AGING_MS;
    // Infinity is allowed and disables aging; 0 or negative would make every entry "high".
    if (!(agingMs > 0)) throw new RangeError(`agingMs must be > 0, got ${agingMs}`);
    this.agingMs = agingMs;
  }

  /** Appends to the end of its agent's list for its priority (FIFO by insertion order). */
  add(e: QueueEntry): void {
    // A duplicate id would leave two nodes for one task; that is a scheduler bug, surface it.
    if (this.nodes.has(e.id)) throw new Error(`task ${e.id} is already queued`);
    const rank = RANK[e.priority];
    if (rank === undefined) throw new RangeError(`unknown priority ${String(e.priority)}`);
    let bucket = this.buckets.get(e.agent);
    if (!bucket) {
      bucket = { lists: [emptyList(), emptyList(), emptyList()], count: 0 };
      this.buckets.set(e.agent, bucket);
    }
    const list = bucket.lists[rank]!;
    const node: Node = { entry: e, seq: this.seq++, rank, prev: list.tail, next: undefined, list };
    if (list.tail) list.tail.next = node;
    else list.head = node;
    list.tail = node;
    bucket.count++;
    this.nodes.set(e.id, node);
  }

  remove(id: string): boolean {
    const node = this.nodes.get(id);
    if (!node) return false;
    this.unlink(node);
    return true;
  }

  has(id: string): boolean {
    return this.nodes.has(id);
  }

  get(id: string): QueueEntry | undefined {
    return this.nodes.get(id)?.entry;
  }

  get size(): number {
    return this.nodes.size;
  }

  countByAgent(agent: string): number {
    return this.buckets.get(agent)?.count ?? 0;
  }

  /** agents with at least one queued entry, O(A): for callers that would otherwise scan entries() */
  agents(): string[] {
    return [...this.buckets.keys()]; // a copy: the caller may add or pop while it iterates
  }

  /** the next entry to start, or undefined; does NOT remove it */
  peek(ctx: DispatchContext): QueueEntry | undefined {
    return this.select(ctx)?.entry;
  }

  /** remove and return the next entry to start */
  pop(ctx: DispatchContext): QueueEntry | undefined {
    const node = this.select(ctx);
    if (!node) return undefined;
    this.unlink(node);
    return node.entry;
  }

  /**
   * All entries, best first as of `now` (default: base priority only, no aging). For listings:
   * it sorts, so it is not for the dispatch path, and it ignores capacity and running keys.
   */
  entries(now?: number): Iterable<QueueEntry> {
    const all = [...this.nodes.values()];
    const key = (n: Node): number => (now === undefined ? n.rank : this.effectiveRank(n, now));
    all.sort((a, b) => key(a) - key(b) || a.seq - b.seq);
    return all.map((n) => n.entry);
  }

  private effectiveRank(node: Node, now: number): number {
    const waited = now - node.entry.enqueuedAt;
    if (!(waited > 0)) return node.rank; // clock went back or not yet waited: no promotion
    return Math.max(0, node.rank - Math.floor(waited / this.agingMs));
  }

  private select(ctx: DispatchContext): Node | undefined {
    let best: Candidate | undefined;
    for (const [agent, bucket] of this.buckets) {
      if (!ctx.agentHasCapacity(agent)) continue;
      for (const list of bucket.lists) {
        // Skip entries whose key is running: they wait without blocking the ones behind them.
        let node = list.head;
        while (node && ctx.isKeyRunning(node.entry.key)) node = node.next;
        if (!node) continue;
        const effRank = this.effectiveRank(node, ctx.now);
        if (!best || effRank < best.effRank || (effRank === best.effRank && node.seq < best.node.seq)) {
          best = { node, effRank };
        }
      }
    }
    return best?.node;
  }

  private unlink(node: Node): void {
    const list = node.list;
    if (node.prev) node.prev.next = node.next;
    else list.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else list.tail = node.prev;
    node.prev = node.next = undefined;
    this.nodes.delete(node.entry.id);
    const bucket = this.buckets.get(node.entry.agent)!;
    if (--bucket.count === 0) this.buckets.delete(node.entry.agent);
  }
}

function emptyList(): List {
  return { head: undefined, tail: undefined };
}

/**
 * The default coalescing key (agent + task + files). Files are sorted (by code unit,
 * not locale, so every process agrees) and deduplicated, so saving the same set of files in any
 * order coalesces. JSON keeps it unambiguous whatever characters the names contain.
 */
export function defaultKey(agent: string, task: string, files: string[]): string {
  const unique = [...new Set(files)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([agent, task, unique]);
}

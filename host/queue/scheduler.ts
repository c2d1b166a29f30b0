// The scheduler: accepts tasks (coalesced, journaled), dispatches them by priority within the
// global and per-agent limits, classifies each attempt's outcome (done, retry with backoff,
// failed, cancelled) and keeps the journal in step. All timing goes through deps.now so the
// logic can run under fake time; the only timer is the one for the earliest pending retry.
import type { AgentConfig, ResolvedConfig } from '../../src/shared/configSchema';
import type { AttemptRecord, FailureReason, Finding, TaskInfo } from '../../src/shared/model';
import { isFinal } from '../../src/shared/model';
import type { SubmitItem } from '../../src/shared/protocol';
import type { Logger } from '../logger';
import { nextRetryDelay } from './backoff';
import type { Journal, JournalRecord } from './journal';
import { defaultKey, PriorityQueue } from './priorityQueue';
import { TaskStore } from './taskStore';
import { newTaskId } from './taskId';

export interface RunRequest {
  task: TaskInfo;
  agent: AgentConfig;
  attempt: number;
  timeoutMs: number;
  signal: AbortSignal; // aborted with reason 'cancelled' | 'shutdown'
}

export interface RunOutcome {
  exitCode: number | null;
  signal: string | null;
  reason?: FailureReason;
  detail?: string;
  findings: Finding[];
  pid?: number;
  pidStartTime?: string;
  retryAfterMs?: number;
  peakRssBytes?: number;
  /** the runner classified the exit as done (the agent's exit_codes: tsc exits 2 with errors) */
  done?: boolean;
  /** findings the workspace baseline accepts (agents with `baseline: true`): not reported */
  baselined?: Finding[];
  /** the last lines of the agent's stdout, kept on the task */
  outputTail?: string[];
}

export interface Runner {
  run(req: RunRequest, onStart: (pid: number, startTime?: string) => void): Promise<RunOutcome>;
}

export interface SchedulerEvents {
  taskChanged(t: TaskInfo): void;
  tasksRemoved(ids: string[]): void;
  findings(t: TaskInfo, findings: Finding[], baselined?: Finding[]): void;
}

export interface SchedulerDeps {
  store: TaskStore;
  journal: Journal;
  runner: Runner;
  logger: Logger;
  config(): ResolvedConfig;
  events: SchedulerEvents;
  now?: () => number;
  random?: () => number;
  /**
   * Why an agent cannot start tasks now (quarantined, awaiting approval, untrusted workspace), or
   * undefined. With refuse: true a submit is refused outright; otherwise its tasks wait.
   */
  gate?(agent: AgentConfig): GateResult | undefined;
}

export interface GateResult {
  reason: string;
  refuse: boolean;
}

export class SubmitError extends Error {}

interface Running {
  ac: AbortController;
  agent: AgentConfig;
  done: Promise<void>;
}

export class Scheduler {
  readonly store: TaskStore;
  private readonly queue = new PriorityQueue();
  private readonly running = new Map<string, Running>();
  private readonly runningByAgent = new Map<string, number>();
  private readonly retrying = new Set<string>();
  private readonly waiters = new Map<string, Array<(t: TaskInfo) => void>>();
  private retryTimer: NodeJS.Timeout | undefined;
  private draining = false;
  private compacting: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly random: () => number;
  /** [finishedAt ms, failed] of the last minute, for status rates */
  private readonly recentFinishes: Array<[number, boolean]> = [];

  constructor(private readonly deps: SchedulerDeps) {
    this.store = deps.store;
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
  }

  get runningCount(): number {
    return this.running.size;
  }
  runningFor(agent: string): number {
    return this.runningByAgent.get(agent) ?? 0;
  }
  queuedFor(agent: string): number {
    return this.queue.countByAgent(agent);
  }
  pidsFor(agent: string): number[] {
    const out: number[] = [];
    for (const [id, r] of this.running) {
      const pid = r.agent.id === agent ? this.store.get(id)?.pid : undefined;
      if (pid) out.push(pid);
    }
    return out;
  }
  /** agents that have tasks waiting in the queue */
  queuedAgents(): Set<string> {
    return new Set(this.queue.agents());
  }
  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * Puts replayed tasks back. A task that was running when the host died runs again for a `read`
   * agent (at-least-once); a `write` agent's task is parked as interrupted, never re-run blindly.
   */
  restore(tasks: TaskInfo[]): { requeued: TaskInfo[]; interrupted: TaskInfo[] } {
    const now = new Date(this.now());
    const requeued: TaskInfo[] = [];
    const interrupted: TaskInfo[] = [];
    const records: JournalRecord[] = [];
    for (const t of tasks) {
      const dropped = this.store.restore(t);
      if (dropped.length) records.push(...dropped.map((id) => ({ v: 1 as const, op: 'del' as const, id })));
      if (t.state === 'queued') this.enqueue(t);
      else if (t.state === 'retrying') this.retrying.add(t.id);
      else if (t.state === 'running') {
        const last = t.attemptLog?.at(-1);
        if (last && !last.finishedAt) Object.assign(last, { finishedAt: now.toISOString(), reason: 'host_died', detail: 'the host stopped while this attempt ran' });
        const effects = this.deps.config().agents[t.agent]?.effects ?? 'read';
        if (effects === 'write') {
          this.store.transition(t.id, 'interrupted', { reason: 'host_died', detail: 'the host died while this write task ran; retry it by hand once you have checked its effects' }, now);
          interrupted.push(t);
        } else {
          this.store.transition(t.id, 'queued', { pid: undefined }, now);
          this.enqueue(t);
          requeued.push(t);
        }
        records.push(put(t));
      }
    }
    if (records.length) this.record(records);
    this.armRetryTimer();
    return { requeued, interrupted };
  }

  /** Accepts a batch; resolves once every accepted task is durable. Dispatch starts at once. */
  async submit(items: SubmitItem[], source?: string): Promise<Array<{ taskId: string; coalesced: boolean } | { error: string; index: number }>> {
    const cfg = this.deps.config();
    const now = new Date(this.now());
    const records: JournalRecord[] = [];
    const results = items.map((item, index) => {
      try {
        const { task, coalesced } = this.accept(item, cfg, now, source);
        records.push(put(task));
        this.deps.events.taskChanged(task);
        return { taskId: task.id, coalesced };
      } catch (err) {
        if (err instanceof SubmitError) return { error: err.message, index };
        throw err;
      }
    });
    this.pump();
    // A task the pump just started was journaled by start() as running, into this same group: its
    // submit record would be the same line again (it is serialized now, so it says running too).
    // Awaiting the remaining ones — or the group, if none remain — is the same durability.
    if (records.length) await this.append(records.filter((r) => r.op !== 'put' || r.task.state !== 'running'));
    return results;
  }

  private accept(item: SubmitItem, cfg: ResolvedConfig, now: Date, source?: string): { task: TaskInfo; coalesced: boolean } {
    if (this.draining) throw new SubmitError('the host is shutting down');
    if (!cfg.enabled) throw new SubmitError('background agents are disabled (background.enabled: false)');
    const agent = cfg.agents[item.agent];
    if (!agent) {
      const known = Object.keys(cfg.agents);
      throw new SubmitError(`unknown agent "${item.agent}"${known.length ? ` (configured: ${known.join(', ')})` : ' (no agents configured)'}`);
    }
    if (agent.kind === 'none') throw new SubmitError(`agent "${item.agent}" has no command configured`);
    if (!agent.enabled) throw new SubmitError(`agent "${item.agent}" is disabled`);
    const gate = this.deps.gate?.(agent);
    if (gate?.refuse) throw new SubmitError(`agent "${item.agent}": ${gate.reason}`);
    if (!item.task) throw new SubmitError('a task name is required');
    const files = [...new Set(item.files ?? [])];
    const key = item.key ?? defaultKey(item.agent, item.task, files);
    const existing = this.store.queuedWithKey(key);
    if (existing) {
      // latest wins: the waiting task takes the new params; a retrying one becomes fresh work
      const patch: Partial<TaskInfo> = { files, task: item.task };
      if (item.params) patch.params = item.params;
      if (item.priority) patch.priority = item.priority;
      if (item.timeoutMs !== undefined) patch.timeoutMs = item.timeoutMs;
      if (existing.state === 'retrying') {
        this.retrying.delete(existing.id);
        this.store.transition(existing.id, 'queued', { ...patch, attempts: 0, nextAttemptAt: undefined }, now);
        this.enqueue(existing);
      } else if (item.priority && item.priority !== existing.priority) {
        this.queue.remove(existing.id);
        this.store.patch(existing.id, patch, now);
        this.enqueue(existing);
      } else this.store.patch(existing.id, patch, now);
      return { task: existing, coalesced: true };
    }
    const task = this.store.create(
      {
        id: newTaskId(now.getTime()),
        agent: item.agent,
        task: item.task,
        key,
        files,
        priority: item.priority ?? agent.priority,
        // development mode shows a failure at once instead of retrying it
        maxAttempts: cfg.mode === 'development' ? 1 : 1 + agent.retryAttempts,
        ...(item.params ? { params: item.params } : {}),
        ...(item.timeoutMs !== undefined ? { timeoutMs: item.timeoutMs } : {}),
        ...(source ? { source } : {}),
      },
      now,
    );
    this.enqueue(task);
    return { task, coalesced: false };
  }

  private enqueue(t: TaskInfo): void {
    this.queue.add({ id: t.id, agent: t.agent, priority: t.priority, key: t.key, enqueuedAt: Date.parse(t.updatedAt) });
  }

  /** Starts as many queued tasks as the limits allow. */
  pump(): void {
    if (this.draining) return;
    const cfg = this.deps.config();
    if (!cfg.enabled) return;
    const max = cfg.mode === 'development' ? 1 : cfg.maxConcurrentAgents;
    const ctx = {
      now: this.now(),
      agentHasCapacity: (id: string) => {
        const a = cfg.agents[id];
        if (!a || a.kind === 'none' || !a.enabled || this.deps.gate?.(a)) return false;
        const limit = cfg.mode === 'development' ? 1 : a.concurrency;
        return (this.runningByAgent.get(id) ?? 0) < limit;
      },
      isKeyRunning: (key: string) => this.store.isKeyRunning(key),
    };
    while (this.running.size < max) {
      const e = this.queue.pop(ctx);
      if (!e) break;
      this.start(e.id, cfg.agents[e.agent]!, cfg);
    }
  }

  private start(id: string, agent: AgentConfig, cfg: ResolvedConfig): void {
    const now = new Date(this.now());
    const t = this.store.get(id)!;
    const attempt = t.attempts + 1;
    const rec: AttemptRecord = { attempt, startedAt: now.toISOString() };
    this.store.transition(id, 'running', {
      attempts: attempt,
      startedAt: rec.startedAt,
      finishedAt: undefined,
      reason: undefined,
      detail: undefined,
      exitCode: undefined,
      signal: undefined,
      attemptLog: [...(t.attemptLog ?? []), rec].slice(-20),
    }, now);
    const ac = new AbortController();
    this.runningByAgent.set(agent.id, (this.runningByAgent.get(agent.id) ?? 0) + 1);
    const timeoutMs = t.timeoutMs ?? agent.timeoutMs ?? cfg.taskTimeoutMs;
    // a write agent's start must be durable before it acts, so a crash parks it as interrupted
    const durable = this.append([put(t)]);
    let go: Promise<void> = Promise.resolve();
    if (agent.effects === 'write') go = durable;
    else durable.catch(() => undefined); // logged by append(); a read task may run regardless
    const done = go
      .then(() =>
        this.deps.runner.run({ task: t, agent, attempt, timeoutMs, signal: ac.signal }, (pid, startTime) => {
          rec.pid = pid;
          if (startTime) rec.pidStartTime = startTime;
          this.store.patch(id, { pid }, new Date(this.now()));
          this.deps.events.taskChanged(t);
        }),
      )
      .catch((err: unknown): RunOutcome => ({ exitCode: null, signal: null, reason: 'spawn_error', detail: String(err), findings: [] }))
      .then((outcome) => this.finish(id, agent, rec, outcome, ac.signal.reason as string | undefined));
    this.running.set(id, { ac, agent, done });
    this.deps.events.taskChanged(t);
  }

  private finish(id: string, agent: AgentConfig, rec: AttemptRecord, o: RunOutcome, abortReason: string | undefined): void {
    this.running.delete(id);
    this.runningByAgent.set(agent.id, Math.max(0, (this.runningByAgent.get(agent.id) ?? 1) - 1));
    const nowMs = this.now();
    const now = new Date(nowMs);
    const t = this.store.get(id)!;
    const cfg = this.deps.config();
    Object.assign(rec, { finishedAt: now.toISOString(), exitCode: o.exitCode, signal: o.signal });
    if (o.reason) rec.reason = o.reason;
    if (o.detail) rec.detail = o.detail;
    if (o.peakRssBytes) rec.peakRssBytes = o.peakRssBytes;
    const base: Partial<TaskInfo> = { exitCode: o.exitCode, signal: o.signal, pid: undefined, finishedAt: now.toISOString(), reason: o.reason, detail: o.detail, outputTail: o.outputTail };
    let dropped: string[] = [];
    let failed = false;
    if (abortReason === 'shutdown') {
      rec.reason = 'shutdown';
      const state = agent.effects === 'write' ? 'interrupted' : 'queued';
      dropped = this.store.transition(id, state, { ...base, reason: 'shutdown', detail: 'stopped with the host; runs again when the host starts', finishedAt: undefined }, now);
    } else if (abortReason === 'cancelled' || o.reason === 'cancelled') {
      dropped = this.store.transition(id, 'cancelled', { ...base, reason: 'cancelled', detail: 'cancelled' }, now);
    } else if (!o.reason && (o.done ?? (o.exitCode === 0 || o.exitCode === 1))) {
      const baselinedCount = o.baselined?.length || undefined;
      dropped = this.store.transition(id, 'succeeded', { ...base, findings: o.findings, findingCount: o.findings.length, baselinedCount }, now);
      this.deps.events.findings(t, o.findings, o.baselined);
    } else if (o.exitCode === 2 && !o.reason) {
      failed = true;
      dropped = this.store.transition(id, 'failed', { ...base, reason: 'usage_error', detail: o.detail ?? 'exit code 2: configuration or usage error (not retried)' }, now);
    } else if (t.attempts < t.maxAttempts && o.reason !== 'output_error' && o.reason !== 'no_command' && o.reason !== 'usage_error') {
      const delay = nextRetryDelay(t.attempts, cfg.retryBackoff, this.random, o.retryAfterMs);
      this.retrying.add(id);
      this.store.transition(id, 'retrying', { ...base, nextAttemptAt: new Date(nowMs + delay).toISOString() }, now);
      this.armRetryTimer();
    } else {
      failed = true;
      dropped = this.store.transition(id, 'failed', base, now);
    }
    const fields = { taskId: id, agent: agent.id, task: t.task, attempt: t.attempts, state: t.state, ...(t.reason ? { reason: t.reason } : {}), ...(t.detail ? { detail: t.detail } : {}) };
    if (t.state === 'succeeded') this.deps.logger.debug('task finished', { ...fields, findings: o.findings.length });
    else this.deps.logger.warn(`task ${t.state}`, fields);
    if (isFinal(t.state)) {
      this.recentFinishes.push([nowMs, failed]);
      this.resolveWaiters(t);
    }
    if (t.state === 'interrupted') this.resolveWaiters(t);
    this.deps.events.taskChanged(t);
    const records: JournalRecord[] = [put(t), ...dropped.map((d) => ({ v: 1 as const, op: 'del' as const, id: d }))];
    if (dropped.length) this.deps.events.tasksRemoved(dropped);
    this.record(records);
    this.pump();
  }

  /** Moves retrying tasks whose backoff has passed back into the queue. */
  private armRetryTimer(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.retrying.size === 0 || this.draining) return;
    let earliest = Infinity;
    for (const id of this.retrying) {
      const at = Date.parse(this.store.get(id)?.nextAttemptAt ?? '');
      earliest = Math.min(earliest, Number.isNaN(at) ? 0 : at);
    }
    const delay = Math.max(0, earliest - this.now());
    this.retryTimer = setTimeout(() => this.releaseRetries(), delay);
    this.retryTimer.unref();
  }

  private releaseRetries(): void {
    const nowMs = this.now();
    const now = new Date(nowMs);
    const records: JournalRecord[] = [];
    for (const id of [...this.retrying]) {
      const t = this.store.get(id);
      if (!t) {
        this.retrying.delete(id);
        continue;
      }
      if (Date.parse(t.nextAttemptAt ?? '') > nowMs) continue;
      this.retrying.delete(id);
      this.store.transition(id, 'queued', { nextAttemptAt: undefined }, now);
      this.enqueue(t);
      records.push(put(t));
      this.deps.events.taskChanged(t);
    }
    if (records.length) this.record(records);
    this.armRetryTimer();
    this.pump();
  }

  /** Cancels a task; a running one is killed (whole process group) before this resolves. */
  async cancel(id: string): Promise<TaskInfo | undefined> {
    const t = this.store.get(id);
    if (!t) return undefined;
    const r = this.running.get(id);
    if (r) {
      r.ac.abort('cancelled');
      await r.done;
      return t;
    }
    if (t.state === 'queued' || t.state === 'retrying') {
      this.queue.remove(id);
      this.retrying.delete(id);
      const dropped = this.store.transition(id, 'cancelled', { reason: 'cancelled', detail: 'cancelled before it ran', finishedAt: new Date(this.now()).toISOString() }, new Date(this.now()));
      this.resolveWaiters(t);
      this.deps.events.taskChanged(t);
      await this.append([put(t), ...dropped.map((d) => ({ v: 1 as const, op: 'del' as const, id: d }))]);
    }
    return t;
  }

  /** Re-queues a failed, cancelled or interrupted task; its attempts start over. */
  async retry(id: string): Promise<TaskInfo> {
    const t = this.store.get(id);
    if (!t) throw new SubmitError(`no task ${id}`);
    if (t.state !== 'failed' && t.state !== 'cancelled' && t.state !== 'interrupted') {
      throw new SubmitError(`task ${id} is ${t.state}; only failed, cancelled or interrupted tasks can be retried`);
    }
    const other = this.store.queuedWithKey(t.key);
    if (other) throw new SubmitError(`task ${other.id} with the same key is already waiting to run`);
    const now = new Date(this.now());
    this.store.transition(id, 'queued', { attempts: 0, reason: undefined, detail: undefined, finishedAt: undefined, exitCode: undefined, signal: undefined }, now);
    this.enqueue(t);
    this.deps.events.taskChanged(t);
    await this.append([put(t)]);
    this.pump();
    return t;
  }

  /** Resolves when the task is final (or interrupted), or after timeoutMs with its current state. */
  wait(id: string, timeoutMs?: number): Promise<TaskInfo | undefined> {
    const t = this.store.get(id);
    if (!t) return Promise.resolve(undefined);
    if (isFinal(t.state) || t.state === 'interrupted') return Promise.resolve(t);
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      let timer: NodeJS.Timeout | undefined;
      const fn = (x: TaskInfo) => {
        if (timer) clearTimeout(timer);
        resolve(x);
      };
      list.push(fn);
      this.waiters.set(id, list);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const l = this.waiters.get(id);
          if (l) l.splice(l.indexOf(fn), 1);
          resolve(this.store.get(id));
        }, timeoutMs);
      }
    });
  }

  private resolveWaiters(t: TaskInfo): void {
    const list = this.waiters.get(t.id);
    if (!list) return;
    this.waiters.delete(t.id);
    for (const fn of list) fn(t);
  }

  rates(): { tasksPerMin: number; failureRate: number } {
    const cutoff = this.now() - 60_000;
    while (this.recentFinishes.length && this.recentFinishes[0]![0] < cutoff) this.recentFinishes.shift();
    const n = this.recentFinishes.length;
    const failed = this.recentFinishes.filter(([, f]) => f).length;
    return { tasksPerMin: n, failureRate: n ? failed / n : 0 };
  }

  /**
   * Graceful stop: no new dispatch, running tasks may finish until the deadline, then the rest
   * are killed (their groups: TERM → grace → KILL inside the runner) and go back to the queue.
   */
  async drain(deadlineMs: number): Promise<void> {
    this.draining = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), Math.max(0, deadlineMs - this.now())).unref());
    if ((await Promise.race([all().then(() => 'done' as const), timer])) === 'timeout') {
      for (const r of this.running.values()) r.ac.abort('shutdown');
      await all();
    }
  }

  /** fire-and-forget journaling: failures are logged by append() and surface in status */
  private record(records: JournalRecord[]): void {
    this.append(records).catch(() => undefined);
  }

  private append(records: JournalRecord[]): Promise<void> {
    const j = this.deps.journal;
    const done = j.appendMany(records).catch((err: unknown) => {
      this.deps.logger.error('journal write failed', { error: String(err) });
      throw err;
    });
    if (!this.compacting && j.shouldCompact()) {
      // the snapshot holds every change appended so far, so nothing is lost by the rewrite
      this.compacting = j
        .compact(this.store.snapshot())
        .then(() => this.deps.logger.debug('journal compacted', { bytes: j.bytes }))
        .catch((err: unknown) => this.deps.logger.error('journal compaction failed', { error: String(err) }))
        .finally(() => (this.compacting = undefined));
    }
    return done;
  }
}

function put(task: TaskInfo): JournalRecord {
  return { v: 1, op: 'put', task };
}

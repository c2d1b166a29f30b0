// The scheduler: accepts tasks (coalesced, journaled), dispatches them by priority within the
// global and per-agent limits, classifies each attempt's outcome (outcome.ts: done, retry with
// backoff, failed, cancelled) and keeps the journal in step. All timing goes through deps.now so
// the logic can run under fake time; the only timer is the one for the earliest pending retry
// (retryTimer.ts).
//
// What the journal holds of a running attempt: its pid and /proc start time, so a host that died
// can kill what it left behind (hostCore reapLeftovers). The record is appended when the runner
// reports the process (onStart), not before: for a `read` agent that is the attempt's one
// "running" record (a crash before it leaves the task queued: it runs again, as a running read
// task would); a `write` agent's start is also journaled, durably, BEFORE it is spawned, so a
// crash parks it as interrupted. Records of one turn of the event loop share one group commit and
// a task's puts in one group collapse to one line (journal.ts).
import type { AgentConfig, ResolvedConfig } from '../../src/shared/configSchema';
import type { AttemptRecord, TaskInfo } from '../../src/shared/model';
import { isFinal } from '../../src/shared/model';
import type { SubmitItem } from '../../src/shared/protocol';
import type { JournalRecord } from './journal';
import { classifyOutcome } from './outcome';
import { defaultKey, PriorityQueue } from './priorityQueue';
import { RetryTimer } from './retryTimer';
import { SubmitError, type RunOutcome, type RunRequest, type SchedulerDeps } from './schedulerTypes';
import { TaskAbort } from './taskAbort';
import { TaskStore } from './taskStore';
import { newTaskId } from './taskId';
import { TaskWaiters } from './waiters';

export type { GateResult, RunOutcome, RunRequest, Runner, SchedulerDeps, SchedulerEvents } from './schedulerTypes';
export { SubmitError } from './schedulerTypes';

interface Running {
  abort: TaskAbort;
  agent: AgentConfig;
  done: Promise<void> | undefined;
}

export class Scheduler {
  readonly store: TaskStore;
  private readonly queue = new PriorityQueue();
  private readonly running = new Map<string, Running>();
  private readonly runningByAgent = new Map<string, number>();
  private readonly retries: RetryTimer;
  private readonly waiters = new TaskWaiters();
  private draining = false;
  private compacting: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly random: () => number;
  /** finish times (ms) of the last minute, for status rates; negative: the task failed */
  private readonly recentFinishes: number[] = [];

  constructor(private readonly deps: SchedulerDeps) {
    this.store = deps.store;
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.retries = new RetryTimer(deps.store, this.now, () => this.releaseRetries());
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
      else if (t.state === 'retrying') this.retries.ids.add(t.id);
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
    this.retries.arm(!this.draining);
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
    // Serialized now, after the pump: a task it started says running (a write task's start
    // record, already in this group, is the same line and is replaced by this one).
    if (records.length) await this.append(records);
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
        this.retries.ids.delete(existing.id);
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
    if (this.draining || this.queue.size === 0) return;
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
    const nowMs = this.now();
    const now = new Date(nowMs);
    const t = this.store.get(id)!;
    const attempt = t.attempts + 1;
    const rec: AttemptRecord = { attempt, startedAt: now.toISOString() };
    const log = t.attemptLog ?? [];
    this.store.transition(id, 'running', {
      attempts: attempt,
      startedAt: rec.startedAt,
      finishedAt: undefined,
      reason: undefined,
      detail: undefined,
      exitCode: undefined,
      signal: undefined,
      attemptLog: log.length < 20 ? [...log, rec] : [...log.slice(-19), rec],
    }, now);
    const abort = new TaskAbort();
    this.runningByAgent.set(agent.id, (this.runningByAgent.get(agent.id) ?? 0) + 1);
    const req: RunRequest = {
      task: t,
      agent,
      attempt,
      timeoutMs: t.timeoutMs ?? agent.timeoutMs ?? cfg.taskTimeoutMs,
      get signal() {
        return abort.signal;
      },
      onAbort: (fn) => abort.onAbort(fn),
    };
    const running: Running = { abort, agent, done: undefined };
    this.running.set(id, running);
    const onStart = (pid: number, startTime?: string): void => {
      if (this.running.get(id) !== running) return; // reported after the attempt ended
      rec.pid = pid;
      if (startTime) rec.pidStartTime = startTime;
      this.store.patch(id, { pid }, new Date(this.now()));
      // serialized now, with the pid: what reapLeftovers needs if the host dies from here on
      this.record([put(t)]);
      this.deps.events.taskChanged(t);
    };
    let outcome: Promise<RunOutcome>;
    if (agent.effects === 'write') {
      // a write agent's start must be durable before it acts, so a crash parks it as interrupted
      outcome = this.append([put(t)]).then(() => this.deps.runner.run(req, onStart));
    } else {
      try {
        outcome = this.deps.runner.run(req, onStart);
      } catch (err) {
        outcome = Promise.reject(err);
      }
    }
    running.done = outcome
      .catch((err: unknown): RunOutcome => ({ exitCode: null, signal: null, reason: 'spawn_error', detail: String(err), findings: [] }))
      .then((o) => this.finish(id, agent, rec, o, abort.reason));
    this.deps.events.taskChanged(t);
  }

  private finish(id: string, agent: AgentConfig, rec: AttemptRecord, o: RunOutcome, abortReason: string | undefined): void {
    this.running.delete(id);
    this.runningByAgent.set(agent.id, Math.max(0, (this.runningByAgent.get(agent.id) ?? 1) - 1));
    const nowMs = this.now();
    const now = new Date(nowMs);
    const iso = now.toISOString();
    const t = this.store.get(id)!;
    rec.finishedAt = iso;
    rec.exitCode = o.exitCode;
    rec.signal = o.signal;
    if (o.reason) rec.reason = o.reason;
    if (o.detail) rec.detail = o.detail;
    if (o.peakRssBytes) rec.peakRssBytes = o.peakRssBytes;
    if (abortReason === 'shutdown') rec.reason = 'shutdown';
    const v = classifyOutcome(t, agent, o, abortReason, this.deps.config(), this.random, iso);
    if (v.retryDelayMs !== undefined) v.patch.nextAttemptAt = new Date(nowMs + v.retryDelayMs).toISOString();
    const dropped = this.store.transition(id, v.state, v.patch, now);
    if (v.state === 'succeeded') {
      this.deps.events.findings(t, o.findings, o.baselined);
      this.deps.logger.debug('task finished', { taskId: id, agent: agent.id, task: t.task, attempt: t.attempts, findings: o.findings.length });
    } else {
      this.deps.logger.warn(`task ${t.state}`, { taskId: id, agent: agent.id, task: t.task, attempt: t.attempts, state: t.state, ...(t.reason ? { reason: t.reason } : {}), ...(t.detail ? { detail: t.detail } : {}) });
    }
    if (v.state === 'retrying') {
      this.retries.ids.add(id);
      this.retries.arm(!this.draining);
    }
    if (isFinal(t.state)) {
      this.recentFinishes.push(v.failed ? -nowMs : nowMs);
      this.waiters.settle(t);
    } else if (t.state === 'interrupted') this.waiters.settle(t);
    this.deps.events.taskChanged(t);
    if (dropped.length) {
      const records: JournalRecord[] = [put(t)];
      for (const d of dropped) records.push({ v: 1, op: 'del', id: d });
      this.deps.events.tasksRemoved(dropped);
      this.record(records);
    } else this.record([put(t)]);
    this.pump();
  }

  /** Moves retrying tasks whose backoff has passed back into the queue. */
  private releaseRetries(): void {
    const nowMs = this.now();
    const now = new Date(nowMs);
    const records: JournalRecord[] = [];
    for (const id of this.retries.takeDue(nowMs)) {
      const t = this.store.get(id)!;
      this.store.transition(id, 'queued', { nextAttemptAt: undefined }, now);
      this.enqueue(t);
      records.push(put(t));
      this.deps.events.taskChanged(t);
    }
    if (records.length) this.record(records);
    this.retries.arm(!this.draining);
    this.pump();
  }

  /** Cancels a task; a running one is killed (whole process group) before this resolves. */
  async cancel(id: string): Promise<TaskInfo | undefined> {
    const t = this.store.get(id);
    if (!t) return undefined;
    const r = this.running.get(id);
    if (r) {
      r.abort.abort('cancelled');
      await r.done;
      return t;
    }
    if (t.state === 'queued' || t.state === 'retrying') {
      this.queue.remove(id);
      this.retries.ids.delete(id);
      const dropped = this.store.transition(id, 'cancelled', { reason: 'cancelled', detail: 'cancelled before it ran', finishedAt: new Date(this.now()).toISOString() }, new Date(this.now()));
      this.waiters.settle(t);
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
    return this.waiters.wait(id, timeoutMs, () => this.store.get(id));
  }

  rates(): { tasksPerMin: number; failureRate: number } {
    const cutoff = this.now() - 60_000;
    const f = this.recentFinishes;
    let drop = 0;
    while (drop < f.length && Math.abs(f[drop]!) < cutoff) drop++;
    if (drop) f.splice(0, drop);
    let failed = 0;
    for (const x of f) if (x < 0) failed++;
    return { tasksPerMin: f.length, failureRate: f.length ? failed / f.length : 0 };
  }

  /**
   * Graceful stop: no new dispatch, running tasks may finish until the deadline, then the rest
   * are killed (their groups: TERM → grace → KILL inside the runner) and go back to the queue.
   */
  async drain(deadlineMs: number): Promise<void> {
    this.draining = true;
    this.retries.stop();
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), Math.max(0, deadlineMs - this.now())).unref());
    if ((await Promise.race([all().then(() => 'done' as const), timer])) === 'timeout') {
      for (const r of this.running.values()) r.abort.abort('shutdown');
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

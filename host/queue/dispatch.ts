// The dispatching half of the scheduler (scheduler.ts adds intake, cancel, retry, restore and
// drain): starts queued tasks by priority within the global and per-agent limits, hands each
// attempt to the Runner, classifies its outcome (outcome.ts: done, retry with backoff, failed,
// cancelled) and keeps the journal in step. All timing goes through deps.now so the logic can run
// under fake time; the only timer is the one for the earliest pending retry (retryTimer.ts).
//
// What the journal holds of a running attempt: its pid (= its process group), so a host that died
// can kill what it left behind (hostCore reapLeftovers). The record is appended when the runner
// reports the process (onStart), not before: for a `read` agent that is the attempt's one
// "running" record (a crash before it leaves the task queued: it runs again, as a running read
// task would); a `write` agent's start is also journaled, durably, BEFORE it is spawned, so a
// crash parks it as interrupted. Records of one turn of the event loop share one group commit, a
// task's puts in one group collapse to one line, and the records nobody awaits (a read task's
// start, every finish) are lazy: they may wait a few ms for company (journal.ts).
import { redactSecrets } from '../builtin/secretsRedact';
import type { AgentConfig, ResolvedConfig } from '../../common/configSchema';
import type { AttemptRecord, TaskInfo } from '../../common/model';
import { isFinal } from '../../common/model';
import type { JournalRecord } from './journal';
import { classifyOutcome } from './outcome';
import { PriorityQueue } from './priorityQueue';
import { RetryTimer } from './retryTimer';
import type { DispatchContext } from './priorityQueue';
import type { RunOutcome, SchedulerDeps } from './schedulerTypes';
import type { TaskStore } from './taskStore';
import { TaskWaiters } from './waiters';
import { Attempt } from './attempt';
import { JournalKeeper } from './journalKeeper';

export type Running = Attempt;

const spawnError = (err: unknown): RunOutcome => ({
  exitCode: null,
  signal: null,
  reason: 'spawn_error',
  detail: String(err),
  findings: [],
});

export abstract class Dispatcher {
  readonly store: TaskStore;
  protected readonly queue = new PriorityQueue();
  protected readonly running = new Map<string, Running>();
  protected readonly runningByAgent = new Map<string, number>();
  protected readonly retries: RetryTimer;
  protected readonly waiters = new TaskWaiters();
  protected draining = false;
  private compacting: Promise<void> | undefined;
  /** recovers the journal after a failed write; no task starts while it cannot be written */
  readonly keeper: JournalKeeper;
  /**
   * keys of tasks whose submit is not durable yet, with how many such submits are in flight: a
   * task is never started before its record is on disk (a refused submit is rolled back).
   */
  protected readonly heldKeys = new Map<string, number>();
  protected readonly now: () => number;
  protected readonly random: () => number;
  /** finish times (ms) of the last minute, for status rates; negative: the task failed */
  protected readonly recentFinishes: number[] = [];
  /** the configuration of the current pump, for its dispatch context (made once, not per pump) */
  private pumpCfg: ResolvedConfig | undefined;
  private readonly ctx: DispatchContext = {
    now: 0,
    agentHasCapacity: (id: string) => {
      const cfg = this.pumpCfg!;
      const a = cfg.agents[id];
      if (!a || a.kind === 'none' || !a.enabled || this.deps.gate?.(a)) return false;
      const limit = cfg.mode === 'development' ? 1 : a.concurrency;
      return (this.runningByAgent.get(id) ?? 0) < limit;
    },
    // a held key's task waits like one whose key runs, without blocking the ones behind it
    isKeyRunning: (key: string) => this.store.isKeyRunning(key) || (this.heldKeys.size !== 0 && this.heldKeys.has(key)),
  };

  constructor(protected readonly deps: SchedulerDeps) {
    this.store = deps.store;
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.retries = new RetryTimer(deps.store, this.now, () => this.releaseRetries());
    this.keeper = new JournalKeeper({
      journal: deps.journal,
      logger: deps.logger,
      snapshot: () => this.store.snapshot(),
      onChange: () => {
        this.deps.events.statusChanged?.();
        this.pump();
      },
    });
  }

  /** resolves once every record appended so far is durable (waiting through a journal outage) */
  durable(): Promise<void> {
    return this.keeper.durable();
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

  protected enqueue(t: TaskInfo, atMs = Date.parse(t.updatedAt)): void {
    this.queue.add({ id: t.id, agent: t.agent, priority: t.priority, key: t.key, enqueuedAt: atMs });
  }

  /** Starts as many queued tasks as the limits allow. */
  pump(): void {
    if (this.draining || this.queue.size === 0 || this.deps.journal.error) return;
    const cfg = this.deps.config();
    if (!cfg.enabled) return;
    const max = cfg.mode === 'development' ? 1 : cfg.maxConcurrentAgents;
    this.pumpCfg = cfg;
    this.ctx.now = this.now();
    while (this.running.size < max) {
      const e = this.queue.pop(this.ctx);
      if (!e) break;
      this.start(e.id, cfg.agents[e.agent]!, cfg);
    }
    this.pumpCfg = undefined;
  }

  private start(id: string, agent: AgentConfig, cfg: ResolvedConfig): void {
    const now = new Date(this.now());
    const t = this.store.get(id)!;
    const n = t.attempts + 1;
    const rec: AttemptRecord = { attempt: n, startedAt: now.toISOString() };
    const log = t.attemptLog ?? [];
    // fields set in place, the state change (indexes, counts) by the store
    t.attempts = n;
    t.startedAt = rec.startedAt;
    t.finishedAt = t.reason = t.detail = t.signal = t.exitCode = undefined;
    t.attemptLog = log.length < 20 ? [...log, rec] : [...log.slice(-19), rec];
    this.store.transition(id, 'running', NO_PATCH, now);
    this.runningByAgent.set(agent.id, (this.runningByAgent.get(agent.id) ?? 0) + 1);
    const a = new Attempt(t, agent, n, t.timeoutMs ?? agent.timeoutMs ?? cfg.taskTimeoutMs, rec);
    this.running.set(id, a);
    const onStart = (pid: number): void => this.started(a, pid);
    let outcome: Promise<RunOutcome>;
    if (agent.effects === 'write') {
      // a write agent's start must be durable before it acts, so a crash parks it as interrupted
      outcome = this.append([put(t)]).then(
        () => this.deps.runner.run(a, onStart),
        () => {
          a.notStarted = true; // the journal failed: finish() puts it back, the attempt not counted
          return spawnError('the task journal cannot be written');
        },
      );
    } else {
      try {
        outcome = this.deps.runner.run(a, onStart);
      } catch (err) {
        outcome = Promise.reject(err);
      }
    }
    a.done = outcome.then(
      (o) => this.finish(a, o),
      (err: unknown) => this.finish(a, spawnError(err)),
    );
    this.deps.events.taskChanged(t);
  }

  /** the runner's onStart: the attempt's process is known */
  private started(a: Attempt, pid: number): void {
    const t = a.task;
    if (this.running.get(t.id) !== a) return; // reported after the attempt ended
    a.rec.pid = pid;
    t.pid = pid;
    t.updatedAt = new Date(this.now()).toISOString();
    // a snapshot now, with the pid: what reapLeftovers needs if the host dies from here on (a
    // read task's record may wait the journal's lazy delay for company; a write task's does not)
    if (a.agent.effects === 'write') this.append([put(t)]).catch(() => undefined);
    else this.record([put(t)]);
    this.deps.events.taskChanged(t);
  }

  private finish(a: Attempt, o: RunOutcome): void {
    const { agent, rec } = a;
    const id = a.task.id;
    const abortReason = a.abort.reason;
    this.running.delete(id);
    this.runningByAgent.set(agent.id, Math.max(0, (this.runningByAgent.get(agent.id) ?? 1) - 1));
    const nowMs = this.now();
    const now = new Date(nowMs);
    const iso = now.toISOString();
    const t = this.store.get(id)!;
    if (a.notStarted) {
      // never spawned: back to the queue as it was; it starts once the journal is writable again
      t.attempts--;
      t.attemptLog = t.attemptLog?.filter((r) => r !== rec);
      this.store.transition(id, 'queued', { startedAt: undefined }, now);
      this.enqueue(t, nowMs);
      this.deps.events.taskChanged(t);
      return;
    }
    rec.finishedAt = iso;
    rec.exitCode = o.exitCode;
    rec.signal = o.signal;
    if (o.reason) rec.reason = o.reason;
    if (o.detail) rec.detail = redactSecrets(o.detail); // agent text: the journal and clients get it
    if (o.peakRssBytes) rec.peakRssBytes = o.peakRssBytes;
    if (abortReason === 'shutdown') rec.reason = 'shutdown';
    const v = classifyOutcome(t, agent, o, abortReason, this.deps.config(), this.random, iso);
    if (v.retryDelayMs !== undefined) v.patch.nextAttemptAt = new Date(nowMs + v.retryDelayMs).toISOString();
    const dropped = this.store.transition(id, v.state, v.patch, now);
    if (v.state === 'succeeded') {
      this.deps.events.findings(t, o.findings, o.baselined);
      this.deps.logger.debug('task finished', {
        taskId: id,
        agent: agent.id,
        task: t.task,
        attempt: t.attempts,
        findings: o.findings.length,
      });
    } else {
      this.deps.logger.warn(`task ${t.state}`, {
        taskId: id,
        agent: agent.id,
        task: t.task,
        attempt: t.attempts,
        state: t.state,
        ...(t.reason ? { reason: t.reason } : {}),
        ...(t.detail ? { detail: t.detail } : {}),
      });
    }
    if (v.state === 'retrying') {
      this.retries.ids.add(id);
      this.retries.arm(!this.draining);
    }
    const ends = isFinal(t.state) || t.state === 'interrupted';
    if (isFinal(t.state)) this.recentFinishes.push(v.failed ? -nowMs : nowMs);
    this.deps.events.taskChanged(t);
    const records: JournalRecord[] = [put(t)];
    for (const d of dropped) records.push({ v: 1, op: 'del', id: d });
    if (dropped.length) this.deps.events.tasksRemoved(dropped);
    if (ends && this.waiters.has(id)) {
      // a waiter is told only what survives a crash: its end is written now, not lazily, and
      // through a journal outage it waits for the recovery (which writes this state too)
      this.append(records)
        .catch(() => this.keeper.durable())
        .then(
          () => this.waiters.settle(t),
          () => undefined, // the journal closed: the host is stopping, its connections go with it
        );
    } else this.record(records);
    this.pump();
  }

  /** Moves retrying tasks whose backoff has passed back into the queue. */
  protected releaseRetries(): void {
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

  /**
   * Fire-and-forget journaling (nobody awaits it: starts, finishes, retries): a lazy append, which
   * may wait a few ms for company (journal.ts). Failures are logged by append() and surface in status.
   */
  protected record(records: JournalRecord[]): void {
    this.append(records, true).catch(() => undefined);
  }

  protected append(records: JournalRecord[], lazy = false): Promise<void> {
    const j = this.deps.journal;
    const done = j.appendMany(records, { lazy }).catch((err: unknown) => {
      this.deps.logger.error('journal write failed', { error: String(err) });
      this.keeper.noteFailure();
      throw err;
    });
    if (!this.compacting && !j.error && j.shouldCompact()) {
      // the snapshot holds every change appended so far, so nothing is lost by the rewrite
      this.compacting = j
        .compact(this.store.snapshot())
        .then(() => this.deps.logger.debug('journal compacted', { bytes: j.bytes }))
        .catch((err: unknown) => {
          this.deps.logger.error('journal compaction failed', { error: String(err) });
          this.keeper.noteFailure(); // if it left the journal unwritable, recover it
        })
        .finally(() => (this.compacting = undefined));
    }
    return done;
  }
}

export function put(task: TaskInfo): JournalRecord {
  return { v: 1, op: 'put', task };
}

const NO_PATCH: Partial<TaskInfo> = Object.freeze({});

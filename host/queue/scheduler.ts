// The scheduler: accepts tasks (coalesced, journaled: a submit resolves once its records are
// durable), cancels and retries them, puts replayed tasks back after a restart, and drains on
// stop. Dispatch, outcomes and the journal records of attempts are dispatch.ts.
import type { ResolvedConfig } from '../../common/configSchema';
import type { TaskInfo } from '../../common/model';
import { isFinal } from '../../common/model';
import type { SubmitItem } from '../../common/protocol';
import { Dispatcher, put } from './dispatch';
import type { JournalRecord } from './journal';
import { defaultKey } from './priorityQueue';
import { JournalError, SubmitError } from './schedulerTypes';
import { newTaskId } from './taskId';
import type { NewTask } from './taskStore';

export type { GateResult, RunOutcome, RunRequest, Runner, SchedulerDeps, SchedulerEvents } from './schedulerTypes';
export { JournalError, SubmitError } from './schedulerTypes';

export class Scheduler extends Dispatcher {
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
        if (last && !last.finishedAt) {
          Object.assign(last, {
            finishedAt: now.toISOString(),
            reason: 'host_died',
            detail: 'the host stopped while this attempt ran',
          });
          // the host's death is not the task's failure: the attempt does not count toward maxAttempts
          t.attempts = Math.max(0, t.attempts - 1);
        }
        const effects = this.deps.config().agents[t.agent]?.effects ?? 'read';
        if (effects === 'write') {
          this.store.transition(
            t.id,
            'interrupted',
            {
              reason: 'host_died',
              detail: 'the host died while this write task ran; retry it by hand once you have checked its effects',
            },
            now,
          );
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

  /**
   * Accepts a batch; resolves once every accepted task is durable, and only then may they start.
   * When the journal cannot write them the whole batch is rolled back (as if never submitted)
   * and this rejects with a JournalError.
   */
  async submit(
    items: SubmitItem[],
    source?: string,
  ): Promise<Array<{ taskId: string; coalesced: boolean } | { error: string; index: number }>> {
    const journalDown = this.deps.journal.error;
    if (journalDown) throw new JournalError(this.deps.journal.file, journalDown);
    const cfg = this.deps.config();
    const now = new Date(this.now());
    const records: JournalRecord[] = [];
    const undo: Array<() => void> = [];
    const keys: string[] = [];
    const results = items.map((item, index) => {
      try {
        const { task, coalesced } = this.accept(item, cfg, now, source, undo);
        records.push(put(task));
        keys.push(task.key);
        this.heldKeys.set(task.key, (this.heldKeys.get(task.key) ?? 0) + 1);
        this.deps.events.taskChanged(task);
        return { taskId: task.id, coalesced };
      } catch (err) {
        if (err instanceof SubmitError) return { error: err.message, index };
        throw err;
      }
    });
    if (records.length === 0) return results;
    try {
      await this.append(records);
    } catch (err) {
      for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
      throw new JournalError(this.deps.journal.file, this.deps.journal.error ?? err);
    } finally {
      for (const k of keys) {
        const n = this.heldKeys.get(k)! - 1;
        if (n > 0) this.heldKeys.set(k, n);
        else this.heldKeys.delete(k);
      }
    }
    this.pump();
    return results;
  }

  private accept(
    item: SubmitItem,
    cfg: ResolvedConfig,
    now: Date,
    source: string | undefined,
    undo: Array<() => void>,
  ): { task: TaskInfo; coalesced: boolean } {
    if (this.draining) throw new SubmitError('the host is shutting down');
    if (!cfg.enabled) throw new SubmitError('background agents are disabled (background.enabled: false)');
    const agent = cfg.agents[item.agent];
    if (!agent) {
      const known = Object.keys(cfg.agents);
      throw new SubmitError(
        `unknown agent "${item.agent}"${known.length ? ` (configured: ${known.join(', ')})` : ' (no agents configured)'}`,
      );
    }
    if (agent.kind === 'none') throw new SubmitError(`agent "${item.agent}" has no command configured`);
    if (!agent.enabled) throw new SubmitError(`agent "${item.agent}" is disabled`);
    const gate = this.deps.gate?.(agent);
    if (gate?.refuse) throw new SubmitError(`agent "${item.agent}": ${gate.reason}`);
    if (!item.task) throw new SubmitError('a task name is required');
    const files = !item.files ? [] : item.files.length < 2 ? item.files.slice() : [...new Set(item.files)];
    const key = item.key ?? defaultKey(item.agent, item.task, files);
    const existing = this.store.queuedWithKey(key);
    if (existing) {
      // latest wins: the waiting task takes the new params; a retrying one becomes fresh work
      const patch: Partial<TaskInfo> = { files, task: item.task };
      if (item.params) patch.params = item.params;
      if (item.priority) patch.priority = item.priority;
      if (item.timeoutMs !== undefined) patch.timeoutMs = item.timeoutMs;
      undo.push(this.undoCoalesce(existing));
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
    const nt: NewTask = {
      id: newTaskId(now.getTime()),
      agent: item.agent,
      task: item.task,
      key,
      files,
      priority: item.priority ?? agent.priority,
      // development mode shows a failure at once instead of retrying it
      maxAttempts: cfg.mode === 'development' ? 1 : 1 + agent.retryAttempts,
    };
    if (item.params) nt.params = item.params;
    if (item.timeoutMs !== undefined) nt.timeoutMs = item.timeoutMs;
    if (source) nt.source = source;
    const task = this.store.create(nt, now);
    this.enqueue(task, now.getTime());
    undo.push(() => {
      if (this.store.get(task.id) !== task) return;
      this.queue.remove(task.id);
      this.store.forget(task.id);
      this.deps.events.tasksRemoved([task.id]);
    });
    return { task, coalesced: false };
  }

  /** what puts a task a coalesced submit changed back as it was (its submit was refused) */
  private undoCoalesce(t: TaskInfo): () => void {
    const before = { ...t };
    const entry = this.queue.get(t.id);
    return () => {
      if (this.store.get(t.id) !== t || t.state !== 'queued') return; // it moved on meanwhile
      const { files, task, params, priority, timeoutMs, attempts, nextAttemptAt } = before;
      this.queue.remove(t.id);
      this.store.transition(
        t.id,
        before.state,
        { files, task, params, priority, timeoutMs, attempts, nextAttemptAt },
        new Date(this.now()),
      );
      if (before.state === 'retrying') {
        this.retries.ids.add(t.id);
        this.retries.arm(!this.draining);
      } else this.enqueue(t, entry?.enqueuedAt);
      this.deps.events.taskChanged(t);
    };
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
      const dropped = this.store.transition(
        id,
        'cancelled',
        { reason: 'cancelled', detail: 'cancelled before it ran', finishedAt: new Date(this.now()).toISOString() },
        new Date(this.now()),
      );
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
    this.store.transition(
      id,
      'queued',
      {
        attempts: 0,
        reason: undefined,
        detail: undefined,
        finishedAt: undefined,
        exitCode: undefined,
        signal: undefined,
      },
      now,
    );
    this.enqueue(t);
    this.deps.events.taskChanged(t);
    await this.append([put(t)]);
    this.pump();
    return t;
  }

  /**
   * Resolves when the task is final (or interrupted), or after timeoutMs with its current state;
   * an aborted `signal` (the caller cancelled or disconnected) removes the waiter at once.
   */
  wait(id: string, timeoutMs?: number, signal?: AbortSignal): Promise<TaskInfo | undefined> {
    const t = this.store.get(id);
    if (!t) return Promise.resolve(undefined);
    // its end may still be in the journal's lazy window: answered once it is durable
    if (isFinal(t.state) || t.state === 'interrupted') return this.durable().then(() => t);
    return this.waiters
      .wait(id, timeoutMs, () => this.store.get(id), signal)
      .then((x) => (x && (isFinal(x.state) || x.state === 'interrupted') ? this.durable().then(() => x) : x));
  }

  /** callers waiting in tasks/wait (host/status) */
  get waitingCount(): number {
    return this.waiters.size;
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
    const timer = new Promise<'timeout'>((r) =>
      setTimeout(() => r('timeout'), Math.max(0, deadlineMs - this.now())).unref(),
    );
    if ((await Promise.race([all().then(() => 'done' as const), timer])) === 'timeout') {
      for (const r of this.running.values()) r.abort.abort('shutdown');
      await all();
    }
  }
}

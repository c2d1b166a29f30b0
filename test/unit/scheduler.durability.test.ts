// The scheduler against a journal that fails (its file handle pulled away, so the next write
// really fails with EBADF) and one whose lazy records wait a minute: a refused submit is rolled
// back and never runs, the journal recovers by itself, a waiter hears of an end only once it is
// on disk, and attempts stopped by a shutdown or the host's death do not count.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { nullLogger } from '../../host/logger';
import { Journal } from '../../host/queue/journal';
import { JournalError, Scheduler, type RunOutcome, type RunRequest, type Runner } from '../../host/queue/scheduler';
import { TaskStore } from '../../host/queue/taskStore';
import { resolveConfig, type RawBackground } from '../../common/configSchema';
import type { TaskInfo } from '../../common/model';

class HandRunner implements Runner {
  readonly started: Array<{ req: RunRequest; finish(o: Partial<RunOutcome>): void }> = [];
  run(req: RunRequest): Promise<RunOutcome> {
    return new Promise((resolve) => {
      const finish = (o: Partial<RunOutcome>) => resolve({ exitCode: 0, signal: null, findings: [], ...o });
      req.onAbort!(() => finish({ exitCode: null, signal: 'SIGTERM' }));
      this.started.push({ req, finish });
    });
  }
}

async function setup(bg: RawBackground, opts: { lazyDelayMs?: number } = {}) {
  const file = join(mkdtempSync(join(tmpdir(), 'agbg-sdur-')), 'queue.jsonl');
  const { journal } = await Journal.open(file, { lazyDelayMs: opts.lazyDelayMs ?? 10 });
  const runner = new HandRunner();
  const config = resolveConfig({ background: bg });
  let statusChanges = 0;
  const s = new Scheduler({
    store: new TaskStore(),
    journal,
    runner,
    logger: nullLogger,
    config: () => config,
    events: {
      taskChanged: () => undefined,
      tasksRemoved: () => undefined,
      findings: () => undefined,
      statusChanged: () => statusChanges++,
    },
    random: () => 0.5,
  });
  /** the journal's next write fails for real: its file handle is closed under it */
  const breakJournal = () => (journal as unknown as { handle: FileHandle }).handle.close();
  /** the state of each task id as the journal file holds it now (last put wins) */
  const onDisk = (): Map<string, TaskInfo> => {
    const m = new Map<string, TaskInfo>();
    for (const l of readFileSync(file, 'utf8').split('\n'))
      if (l) {
        const r = JSON.parse(l) as { op: string; task?: TaskInfo };
        if (r.task) m.set(r.task.id, r.task);
      }
    return m;
  };
  return { s, runner, journal, breakJournal, onDisk, statusChanges: () => statusChanges };
}

async function until(fn: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const agents = { a: { command: ['x'], concurrency: 2 }, w: { command: ['x'], effects: 'write' as const } };
const id = (r: unknown) => (r as { taskId: string }).taskId;

describe('scheduler and a failing journal', () => {
  it('a submit the journal cannot write is refused, rolled back and never run; the journal recovers by itself', async () => {
    const { s, runner, journal, breakJournal, onDisk, statusChanges } = await setup({ agents });
    await breakJournal();
    await assert.rejects(s.submit([{ agent: 'a', task: 'lost', files: ['x'] }]), JournalError);
    assert.equal(runner.started.length, 0, 'a task whose record is not durable was started');
    assert.equal(s.store.size, 0, 'the refused task stayed in memory');
    assert.ok(journal.error && s.keeper.failure, 'the failure is not reported');
    assert.ok(statusChanges() >= 1);
    await until(() => !journal.error, 'the journal to recover');
    assert.equal(s.keeper.failure, undefined);
    const [r] = await s.submit([{ agent: 'a', task: 'kept', files: ['x'] }]);
    assert.equal(runner.started.length, 1);
    assert.equal(runner.started[0]!.req.task.task, 'kept');
    assert.equal(onDisk().get(id(r))?.task, 'kept');
    await journal.close();
  });

  it('a task is not started by another dispatch while its submit is still on its way to disk', async () => {
    const { s, runner, journal, breakJournal } = await setup({ agents: { a: { command: ['x'], concurrency: 1 } } });
    await s.submit([{ agent: 'a', task: 'busy' }]);
    await breakJournal();
    const refused = assert.rejects(s.submit([{ agent: 'a', task: 'next' }]), JournalError);
    runner.started[0]!.finish({}); // its end dispatches what is queued, before the submit's write fails
    await refused;
    assert.deepEqual(
      runner.started.map((x) => x.req.task.task),
      ['busy'],
    );
    await journal.close();
  });

  it('a coalesced submit the journal cannot write leaves the queued task as it was', async () => {
    const { s, runner, journal, breakJournal } = await setup({ agents: { a: { command: ['x'], concurrency: 1 } } });
    await s.submit([{ agent: 'a', task: 'busy' }]);
    const [q] = await s.submit([{ agent: 'a', task: 't', params: { n: 1 } }]);
    await breakJournal();
    await assert.rejects(s.submit([{ agent: 'a', task: 't', params: { n: 2 }, priority: 'high' }]), JournalError);
    const t = s.store.get(id(q))!;
    assert.deepEqual([t.state, t.params, t.priority], ['queued', { n: 1 }, 'medium']);
    await until(() => !journal.error, 'the journal to recover');
    runner.started[0]!.finish({});
    await until(() => runner.started.length === 2, 'the queued task to start');
    assert.deepEqual(runner.started[1]!.req.task.params, { n: 1 });
    await journal.close();
  });

  it('a write task whose start cannot be made durable is not spawned, not counted, and starts after the recovery', async () => {
    const { s, runner, journal, breakJournal } = await setup({ agents: { w: { command: ['x'], effects: 'write' } } });
    const [first] = await s.submit([{ agent: 'w', task: 'one' }]);
    const [second] = await s.submit([{ agent: 'w', task: 'two' }]);
    await new Promise((r) => setImmediate(r));
    assert.equal(runner.started.length, 1);
    await breakJournal();
    runner.started[0]!.finish({}); // 'two' is dispatched; its start record fails
    await until(() => !!journal.error || runner.started.length > 1, 'the start record to fail');
    const t = s.store.get(id(second))!;
    await until(() => t.state === 'queued' || runner.started.length > 1, 'the task to go back to the queue');
    assert.equal(runner.started.length, 1, 'spawned without a durable start record');
    assert.equal(t.attempts, 0);
    assert.equal((await s.wait(id(first)))?.state, 'succeeded'); // answered after the recovery
    await until(() => runner.started.length === 2, 'the start after the recovery');
    assert.equal(runner.started[1]!.req.attempt, 1);
    await journal.close();
  });
});

describe('waiters hear of an end only once it is durable', () => {
  it('tasks/wait resolves after the finish record is on disk, though lazy records wait a minute', async () => {
    const { s, runner, journal, onDisk } = await setup({ agents }, { lazyDelayMs: 60_000 });
    const [r] = await s.submit([{ agent: 'a', task: 't' }]);
    const waited = s.wait(id(r)).then((t) => [t?.state, onDisk().get(id(r))?.state]);
    runner.started[0]!.finish({});
    assert.deepEqual(await waited, ['succeeded', 'succeeded']);
    // nobody waited for this one: its finish stays lazy; a wait that comes later flushes it first
    const [r2] = await s.submit([{ agent: 'a', task: 'u' }]);
    runner.started[1]!.finish({});
    await new Promise((res) => setImmediate(res));
    assert.equal(s.store.get(id(r2))!.state, 'succeeded');
    assert.notEqual(onDisk().get(id(r2))?.state, 'succeeded', 'the lazy window is gone');
    assert.equal((await s.wait(id(r2)))?.state, 'succeeded');
    assert.equal(onDisk().get(id(r2))?.state, 'succeeded');
    await journal.close();
  });

  it('through a journal outage a waiter is answered after the recovery has written the end', async () => {
    const { s, runner, journal, breakJournal, onDisk } = await setup({ agents });
    const [r] = await s.submit([{ agent: 'a', task: 't' }]);
    await breakJournal();
    let answered = false;
    const waited = s.wait(id(r)).then((t) => ((answered = true), [t?.state, onDisk().get(id(r))?.state]));
    runner.started[0]!.finish({});
    await until(() => !!journal.error, 'the journal to fail');
    assert.equal(answered, journal.error === undefined);
    assert.deepEqual(await waited, ['succeeded', 'succeeded']);
    await journal.close();
  });
});

describe('interrupted attempts do not count toward maxAttempts', () => {
  it('an attempt stopped by a shutdown goes back to the queue with its count undone', async () => {
    const { s, runner, journal } = await setup({ retry_attempts: 1, agents });
    const [r] = await s.submit([{ agent: 'a', task: 't' }]);
    assert.equal(runner.started.length, 1);
    const drained = s.drain(Date.now());
    const t = s.store.get(id(r))!;
    await until(() => t.state !== 'running', 'the shutdown to stop the attempt'); // ref'd timers: the drain's is not
    await drained;
    assert.deepEqual([t.state, t.attempts, t.attemptLog?.at(-1)?.reason], ['queued', 0, 'shutdown']);
    await journal.close();
  });

  it("an attempt cut by the host's death is not counted: the task still gets all its retries", async () => {
    const { s, runner, journal } = await setup({
      retry_attempts: 1,
      retry_backoff: { initial: '1ms', jitter: false },
      agents,
    });
    const at = new Date().toISOString();
    const running: TaskInfo = {
      id: 'died1',
      agent: 'a',
      task: 't',
      state: 'running',
      priority: 'medium',
      key: 'k',
      files: [],
      attempts: 1,
      maxAttempts: 2,
      createdAt: at,
      updatedAt: at,
      attemptLog: [{ attempt: 1, startedAt: at, pid: 999_999 }],
    };
    s.restore([running]);
    const t = s.store.get('died1')!;
    assert.deepEqual([t.state, t.attempts, t.attemptLog?.[0]?.reason], ['queued', 0, 'host_died']);
    s.pump();
    runner.started[0]!.finish({ exitCode: 3, reason: 'exit_code' });
    await until(() => runner.started.length === 2, 'the retry');
    runner.started[1]!.finish({ exitCode: 3, reason: 'exit_code' });
    assert.equal((await s.wait('died1'))?.state, 'failed');
    assert.equal(t.attempts, 2);
    await journal.close();
  });
});

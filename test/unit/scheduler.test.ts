// The scheduler's decisions with a runner whose attempts the test finishes by hand, fake time for
// timestamps, and a real (non-durable) journal in a temp dir.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { nullLogger } from '../../host/logger';
import { Journal } from '../../host/queue/journal';
import { Scheduler, type RunOutcome, type RunRequest, type Runner } from '../../host/queue/scheduler';
import { TaskStore } from '../../host/queue/taskStore';
import { resolveConfig, type RawBackground } from '../../common/configSchema';
import type { TaskInfo } from '../../common/model';
import { until } from '../support/wait';

class HandRunner implements Runner {
  readonly started: Array<{ req: RunRequest; finish(o: Partial<RunOutcome>): void }> = [];
  run(req: RunRequest): Promise<RunOutcome> {
    return new Promise((resolve) => {
      const finish = (o: Partial<RunOutcome>) => resolve({ exitCode: 0, signal: null, findings: [], ...o });
      req.signal.addEventListener('abort', () => finish({ exitCode: null, signal: 'SIGTERM', reason: 'cancelled' }));
      this.started.push({ req, finish });
    });
  }
  names(): string[] {
    return this.started.map((s) => s.req.task.task);
  }
}

async function setup(bg: RawBackground, history = 1000) {
  const dir = mkdtempSync(join(tmpdir(), 'agbg-sched-'));
  const { journal } = await Journal.open(join(dir, 'queue.jsonl'), { durable: false });
  let now = Date.parse('2026-01-01T00:00:00Z');
  const runner = new HandRunner();
  const config = resolveConfig({ background: bg });
  const changed: TaskInfo[] = [];
  const s = new Scheduler({
    store: new TaskStore(history),
    journal,
    runner,
    logger: nullLogger,
    config: () => config,
    events: { taskChanged: (t) => changed.push(t), tasksRemoved: () => undefined, findings: () => undefined },
    now: () => now,
    random: () => 0.5,
  });
  const tick = (ms: number) => (now += ms);
  const flush = () => new Promise((r) => setImmediate(r));
  return { s, runner, journal, dir, tick, flush, changed };
}

const agents = {
  a: { command: ['x'], concurrency: 1 },
  b: { command: ['x'], concurrency: 2 },
};

describe('scheduler', () => {
  it('dispatches by priority, FIFO within a priority, within the per-agent limit', async () => {
    const { s, runner, flush } = await setup({ agents });
    await s.submit([{ agent: 'a', task: 'first' }]);
    await s.submit([
      { agent: 'a', task: 'low1', priority: 'low' },
      { agent: 'a', task: 'med', priority: 'medium' },
      { agent: 'a', task: 'high', priority: 'high' },
      { agent: 'a', task: 'low2', priority: 'low' },
    ]);
    assert.deepEqual(runner.names(), ['first']);
    for (let i = 0; i < 5; i++) {
      runner.started[i]!.finish({});
      await flush();
    }
    assert.deepEqual(runner.names(), ['first', 'high', 'med', 'low1', 'low2']);
  });

  it('respects max_concurrent_agents across agents; development mode runs one at a time', async () => {
    const { s, runner } = await setup({ max_concurrent_agents: 2, agents });
    await s.submit([
      { agent: 'b', task: '1' },
      { agent: 'b', task: '2' },
      { agent: 'a', task: '3' },
    ]);
    assert.equal(runner.started.length, 2);
    const dev = await setup({ mode: 'development', max_concurrent_agents: 4, agents });
    await dev.s.submit([
      { agent: 'b', task: '1' },
      { agent: 'b', task: '2' },
      { agent: 'a', task: '3' },
    ]);
    assert.equal(dev.runner.started.length, 1);
  });

  it('coalesces by key: at most one running and one queued, latest params win', async () => {
    const { s, runner, flush } = await setup({ agents });
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const [r] = await s.submit([{ agent: 'a', task: 'audit', files: ['x.ts'], params: { n: i } }]);
      ids.add((r as { taskId: string }).taskId);
    }
    assert.equal(ids.size, 2);
    assert.equal(runner.started.length, 1);
    runner.started[0]!.finish({});
    await flush();
    assert.equal(runner.started.length, 2);
    assert.deepEqual(runner.started[1]!.req.task.params, { n: 49 });
    // a different file set is a different key
    await s.submit([{ agent: 'a', task: 'audit', files: ['y.ts'] }]);
    assert.equal(s.store.countsByState().queued, 1);
  });

  it('retries a failed attempt after its backoff, keeps each reason, never retries exit code 2', async () => {
    const { s, runner, tick, flush } = await setup({
      retry_attempts: 1,
      retry_backoff: { initial: '10ms', jitter: false },
      agents,
    });
    const [r] = await s.submit([{ agent: 'a', task: 't' }]);
    const id = (r as { taskId: string }).taskId;
    runner.started[0]!.finish({ exitCode: 3, reason: 'exit_code', detail: 'exit code 3' });
    await flush();
    const t = s.store.get(id)!;
    assert.equal(t.state, 'retrying');
    assert.equal(Date.parse(t.nextAttemptAt!) - Date.parse(t.updatedAt), 10);
    tick(10);
    await until(() => runner.started.length === 2, 5000, 'the retry to start');
    runner.started[1]!.finish({ exitCode: null, signal: 'SIGKILL', reason: 'timeout', detail: 'timed out' });
    await flush();
    assert.equal(t.state, 'failed');
    assert.deepEqual(
      t.attemptLog!.map((a) => a.reason),
      ['exit_code', 'timeout'],
    );

    const [u] = await s.submit([{ agent: 'a', task: 'usage' }]);
    runner.started[2]!.finish({ exitCode: 2 });
    await flush();
    const ut = s.store.get((u as { taskId: string }).taskId)!;
    assert.equal(ut.state, 'failed');
    assert.equal(ut.reason, 'usage_error');
    assert.equal(ut.attempts, 1);
  });

  it('cancels queued and running tasks; refuses unknown agents with a clear error', async () => {
    const { s, runner } = await setup({ agents });
    const res = await s.submit([
      { agent: 'a', task: '1' },
      { agent: 'a', task: '2' },
      { agent: 'nope', task: '3' },
    ]);
    assert.match((res[2] as { error: string }).error, /unknown agent "nope" \(configured: a, b\)/);
    const [r1, r2] = res as Array<{ taskId: string }>;
    assert.equal((await s.cancel(r2!.taskId))!.state, 'cancelled');
    assert.equal((await s.cancel(r1!.taskId))!.state, 'cancelled');
    assert.equal(runner.started[0]!.req.signal.aborted, true);
  });

  it('restores: a running read task runs again, a running write task is parked as interrupted', async () => {
    const { s, runner, flush } = await setup({
      agents: { r: { command: ['x'] }, w: { command: ['x'], effects: 'write' } },
    });
    const base = {
      priority: 'medium' as const,
      files: [],
      attempts: 1,
      maxAttempts: 4,
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
      attemptLog: [{ attempt: 1, startedAt: '2026-01-01T00:00:00Z' }],
    };
    const { requeued, interrupted } = s.restore([
      { ...base, id: 'r1', agent: 'r', task: 't', key: 'k1', state: 'running' },
      { ...base, id: 'w1', agent: 'w', task: 't', key: 'k2', state: 'running' },
      { ...base, id: 'q1', agent: 'r', task: 't', key: 'k3', state: 'queued' },
      { ...base, id: 'd1', agent: 'r', task: 't', key: 'k4', state: 'succeeded' },
    ]);
    assert.deepEqual(
      requeued.map((t) => t.id),
      ['r1'],
    );
    assert.deepEqual(
      interrupted.map((t) => t.id),
      ['w1'],
    );
    assert.equal(s.store.get('w1')!.reason, 'host_died');
    assert.equal(s.store.get('r1')!.attemptLog![0]!.reason, 'host_died');
    s.pump();
    await flush();
    assert.deepEqual(
      runner.started.map((x) => x.req.task.id),
      ['r1'],
    );
  });

  it('keeps a bounded history and journals the deletion of what falls out', async () => {
    const { s, runner, journal, dir, flush } = await setup({ agents }, 3);
    for (let i = 0; i < 5; i++) {
      await s.submit([{ agent: 'a', task: `t${i}` }]);
      runner.started[i]!.finish({});
      await flush();
    }
    assert.equal(s.store.size, 3);
    await journal.flush();
    const dels = readFileSync(join(dir, 'queue.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"op":"del"'));
    assert.equal(dels.length, 2);
  });

  it("journals the running attempt's pid and start time when the runner reports the process", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agbg-sched-'));
    const { journal } = await Journal.open(join(dir, 'queue.jsonl'), { durable: false });
    const config = resolveConfig({
      background: {
        max_concurrent_agents: 2,
        agents: { r: { command: ['x'] }, w: { command: ['x'], effects: 'write' } },
      },
    });
    const journaled = (): TaskInfo[] =>
      readFileSync(join(dir, 'queue.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { task: TaskInfo }).task);
    const seenAtRun: Record<string, TaskInfo[]> = {};
    const starts: Array<(pid: number) => void> = [];
    const s = new Scheduler({
      store: new TaskStore(),
      journal,
      runner: {
        run: (req, onStart) => {
          // what is on disk when the agent is about to be spawned
          seenAtRun[req.agent.id] = journaled().filter((t) => t.id === req.task.id);
          starts.push(onStart);
          return new Promise((resolve) =>
            req.onAbort!(() => resolve({ exitCode: null, signal: 'SIGTERM', findings: [] })),
          );
        },
      },
      logger: nullLogger,
      config: () => config,
      events: { taskChanged: () => undefined, tasksRemoved: () => undefined, findings: () => undefined },
    });
    await s.submit([{ agent: 'w', task: 'write' }]);
    await journal.flush();
    await new Promise((r) => setImmediate(r));
    // a write task's start is durable before it is spawned
    assert.equal(seenAtRun.w?.at(-1)?.state, 'running');
    await s.submit([{ agent: 'r', task: 'read' }]);
    starts[0]!(1234);
    starts[1]!(4321);
    await journal.flush();
    const last = new Map(journaled().map((t) => [t.agent, t]));
    for (const [agent, pid] of [
      ['w', 1234],
      ['r', 4321],
    ] as const) {
      const t = last.get(agent)!;
      assert.equal(t.state, 'running');
      assert.equal(t.pid, pid);
      assert.equal(t.attemptLog?.at(-1)?.pid, pid);
    }
    for (const t of [...s.store.all()]) await s.cancel(t.id);
    assert.equal(s.runningCount, 0);
  });
});

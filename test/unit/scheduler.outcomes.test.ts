// How the scheduler takes the outcomes the task runner classifies for real tools and AI CLIs: an
// exit the agent counts as done whatever its code (tsc's 2), a usage error named by the runner,
// a rate limit's Retry-After, baselined findings and the output tail.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { nullLogger } from '../../host/logger';
import { Journal } from '../../host/queue/journal';
import { Scheduler, type RunOutcome, type RunRequest, type Runner } from '../../host/queue/scheduler';
import { TaskStore } from '../../host/queue/taskStore';
import { resolveConfig } from '../../common/configSchema';
import type { Finding } from '../../common/model';

class OutcomeRunner implements Runner {
  constructor(private readonly outcomes: Array<Partial<RunOutcome>>) {}
  calls = 0;
  async run(_req: RunRequest): Promise<RunOutcome> {
    const o = this.outcomes[Math.min(this.calls++, this.outcomes.length - 1)]!;
    return { exitCode: 0, signal: null, findings: [], ...o };
  }
}

const f = (line: number): Finding => ({
  file: 'a.ts',
  line,
  column: 1,
  severity: 'error',
  ruleId: 'R',
  message: 'm',
  agent: 'a',
  taskId: 't',
});

async function setup(outcomes: Array<Partial<RunOutcome>>) {
  const dir = mkdtempSync(join(tmpdir(), 'agbg-outc-'));
  const { journal } = await Journal.open(join(dir, 'queue.jsonl'), { durable: false });
  let now = Date.parse('2026-01-01T00:00:00Z');
  const runner = new OutcomeRunner(outcomes);
  const config = resolveConfig({
    background: {
      retry_attempts: 2,
      retry_backoff: { initial: '100ms', jitter: false },
      agents: { a: { command: ['x'] } },
    },
  });
  const reported: Array<{ findings: Finding[]; baselined?: Finding[] }> = [];
  const s = new Scheduler({
    store: new TaskStore(100),
    journal,
    runner,
    logger: nullLogger,
    config: () => config,
    events: {
      taskChanged: () => undefined,
      tasksRemoved: () => undefined,
      findings: (_t, findings, baselined) => reported.push({ findings, ...(baselined ? { baselined } : {}) }),
    },
    now: () => now,
  });
  const [r] = await s.submit([{ agent: 'a', task: 't' }]);
  const id = (r as { taskId: string }).taskId;
  const settle = () => new Promise((res) => setImmediate(res));
  await settle();
  return { s, id, runner, reported, settle, tick: (ms: number) => (now += ms) };
}

describe('scheduler: classified outcomes', () => {
  it('done with exit code 2 succeeds, keeping the findings, the baselined count and the output tail', async () => {
    const { s, id, reported } = await setup([
      { exitCode: 2, done: true, findings: [f(1)], baselined: [f(2), f(3)], outputTail: ['Found 1 error.'] },
    ]);
    const t = s.store.get(id)!;
    assert.equal(t.state, 'succeeded');
    assert.equal(t.exitCode, 2);
    assert.equal(t.findingCount, 1);
    assert.equal(t.baselinedCount, 2);
    assert.deepEqual(t.outputTail, ['Found 1 error.']);
    assert.deepEqual(
      reported.map((r) => [r.findings.length, r.baselined?.length]),
      [[1, 2]],
    );
  });

  it('a usage error the runner names is not retried, whatever the exit code', async () => {
    const { s, id, runner } = await setup([
      { exitCode: 1, reason: 'usage_error', detail: 'exit code 1: configuration or usage error' },
    ]);
    const t = s.store.get(id)!;
    assert.equal(t.state, 'failed');
    assert.equal(t.reason, 'usage_error');
    assert.equal(runner.calls, 1);
  });

  it('a rate limit waits for its Retry-After instead of the shorter backoff', async () => {
    const { s, id } = await setup([
      { exitCode: 1, reason: 'rate_limited', retryAfterMs: 20_000, detail: 'exit code 1' },
      {},
    ]);
    const t = s.store.get(id)!;
    assert.equal(t.state, 'retrying');
    assert.equal(Date.parse(t.nextAttemptAt!) - Date.parse(t.finishedAt!), 20_000);
    assert.equal(t.attemptLog![0]!.reason, 'rate_limited');
    await s.cancel(id);
  });
});

// Tasks through the real host: 100 tasks, retries with backoff, exit code 2, timeouts, cancel,
// coalescing, priorities, the built-in secrets agent end to end.
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Finding, TaskInfo } from '../../common/model';
import * as P from '../../common/protocol';
import { AGENTS, cleanup, cli, cliJson, connect, makeWorkspace, ROOT, waitTask, yaml } from './helpers';
import { cmdlineOf, pidsWithMarker } from '../support/proc';
import { until } from '../support/wait';

const made: string[] = [];
after(async () => {
  for (const w of made) await cleanup(w);
});

function ws(config: string, files: Record<string, string> = {}): string {
  const w = makeWorkspace(config, files);
  made.push(w);
  return w;
}

const CONFIG = yaml(`
background:
  max_concurrent_agents: 4
  retry_attempts: 2
  retry_backoff: { initial: 50ms, factor: 2, max: 1s, jitter: false }
  agents:
    rec:
      command: ["${process.execPath}", "${AGENTS}/record.js"]
      concurrency: 4
      output: findings-json
    once:
      command: ["${process.execPath}", "${AGENTS}/record.js"]
      concurrency: 1
    slow:
      command: ["${process.execPath}", "${AGENTS}/slow.js", "20000"]
      timeout: 500ms
      retry_attempts: 0
`);

describe('tasks', () => {
  it('runs 100 tasks, each exactly once', async () => {
    const w = ws(CONFIG);
    assert.equal((await cli(w, ['start'])).code, 0);
    const lines = Array.from({ length: 100 }, (_, i) =>
      JSON.stringify({ agent: 'rec', task: 'n', files: [`f${i}.txt`] }),
    ).join('\n');
    const r = await cli(w, ['submit', '--from', '-', '--json'], { input: lines });
    assert.equal(r.code, 0, r.stderr);
    const ids = (JSON.parse(r.stdout) as P.SubmitRequest.Result[]).map((x) => x.taskId);
    assert.equal(new Set(ids).size, 100);
    const done = await Promise.all(ids.map((id) => waitTask(w, id)));
    assert.deepEqual(new Set(done.map((t) => t.state)), new Set(['succeeded']));
    const ends = readFileSync(join(w, 'runs.log'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('end'));
    assert.equal(ends.length, 100);
    const list = await cliJson<TaskInfo[]>(w, ['tasks', '--state', 'succeeded', '--limit', '1000']);
    assert.equal(list.length, 100);
    const t = list[0]!;
    for (const k of [
      'id',
      'agent',
      'task',
      'state',
      'priority',
      'attempts',
      'files',
      'createdAt',
      'startedAt',
      'finishedAt',
    ])
      assert.ok(k in t, k);
    assert.ok(!Number.isNaN(Date.parse(t.finishedAt!)));
  });

  it('retries with backoff and keeps the reason of each attempt; exit code 2 is never retried', async () => {
    const w = ws(CONFIG);
    assert.equal((await cli(w, ['start'])).code, 0);
    const c = await connect(w);
    try {
      const flaky = await c.request(P.SubmitRequest.type, {
        agent: 'once',
        task: 'flaky',
        params: { failAttempts: 2 },
      });
      const t = await c.request(P.WaitTaskRequest.type, { id: flaky.taskId, timeoutMs: 20_000 });
      assert.equal(t.state, 'succeeded');
      assert.equal(t.attempts, 3);
      assert.deepEqual(
        t.attemptLog!.map((a) => a.reason ?? 'ok'),
        ['exit_code', 'exit_code', 'ok'],
      );
      assert.match(t.attemptLog![0]!.detail!, /exit code 3: simulated failure on attempt 1/);
      const gap = Date.parse(t.attemptLog![2]!.startedAt) - Date.parse(t.attemptLog![1]!.finishedAt!);
      assert.ok(gap >= 90, `second backoff (100ms) was respected: ${gap}ms`);

      const hopeless = await c.request(P.SubmitRequest.type, {
        agent: 'once',
        task: 'hopeless',
        params: { failAttempts: 99 },
      });
      const h = await c.request(P.WaitTaskRequest.type, { id: hopeless.taskId, timeoutMs: 20_000 });
      assert.equal(h.state, 'failed');
      assert.equal(h.attempts, 3);

      const usage = await c.request(P.SubmitRequest.type, { agent: 'once', task: 'usage', params: { exit: 2 } });
      const u = await c.request(P.WaitTaskRequest.type, { id: usage.taskId, timeoutMs: 20_000 });
      assert.equal(u.state, 'failed');
      assert.equal(u.reason, 'usage_error');
      assert.equal(u.attempts, 1);

      const again = await cli(w, ['retry', usage.taskId]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal((await c.request(P.WaitTaskRequest.type, { id: usage.taskId, timeoutMs: 20_000 })).attempts, 1);
    } finally {
      c.close();
    }
  });

  it('kills a task over its timeout (reason timeout) and cancels a running one', async () => {
    const w = ws(CONFIG);
    assert.equal((await cli(w, ['start'])).code, 0);
    const r = await cliJson<TaskInfo>(w, ['submit', '--agent', 'slow', '--task', 't', '--wait']);
    assert.equal(r.state, 'failed');
    assert.equal(r.reason, 'timeout');
    assert.match(r.detail!, /timed out after 0.5s/);
    const sub = await cliJson<P.SubmitRequest.Result>(w, [
      'submit',
      '--agent',
      'slow',
      '--task',
      'c',
      '--timeout',
      '60',
    ]);
    await until(
      async () => (await cliJson<TaskInfo[]>(w, ['tasks', '--state', 'running'])).length === 1,
      10_000,
      'running',
    );
    const c = await cli(w, ['cancel', sub.taskId]);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /cancelled/);
    assert.deepEqual(
      (await pidsWithMarker(`${AGENTS}/slow.js`)).filter((p) => cmdlineOf(p).includes('20000')),
      [],
    );
  });

  it('coalesces by key: one running, one queued, latest params win', async () => {
    const w = ws(CONFIG);
    assert.equal((await cli(w, ['start'])).code, 0);
    const c = await connect(w);
    try {
      const subs = [];
      for (let i = 0; i < 20; i++)
        subs.push(
          await c.request(P.SubmitRequest.type, {
            agent: 'once',
            task: 'save',
            files: ['a.ts'],
            params: { ms: 300, n: i },
          }),
        );
      const distinct = [...new Set(subs.map((s) => s.taskId))];
      assert.ok(distinct.length <= 2, `at most two tasks for one key, got ${distinct.length}`);
      assert.ok(subs.filter((s) => s.coalesced).length >= 18);
      const last = await c.request(P.WaitTaskRequest.type, { id: subs.at(-1)!.taskId, timeoutMs: 20_000 });
      assert.deepEqual(last.params, { ms: 300, n: 19 });
      const runs = readFileSync(join(w, 'runs.log'), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('start'));
      assert.ok(runs.length <= 2, `ran at most twice: ${runs.length}`);
    } finally {
      c.close();
    }
  });

  it('the built-in secrets agent finds the planted secrets through submit --wait --json', async () => {
    const w = ws('');
    cpSync(join(ROOT, 'examples', 'demo-workspace'), w, { recursive: true });
    assert.equal((await cli(w, ['start'])).code, 0);
    const t = await cliJson<TaskInfo>(w, ['submit', '--agent', 'saa', '--task', 'security-audit', '--wait']);
    assert.equal(t.state, 'succeeded', t.detail);
    const got = (t.findings ?? []).map((f: Finding) => `${f.file}:${f.line} ${f.ruleId}`).sort();
    assert.deepEqual(got, [
      'deploy/ci.env:4 github-token',
      'src/storage.py:7 aws-access-key-id',
      'src/storage.py:8 aws-secret-access-key',
    ]);
    for (const f of t.findings!) {
      assert.equal(f.agent, 'saa');
      assert.equal(f.taskId, t.id);
      assert.match(f.contentHash!, /^[0-9a-f]{64}$/);
      assert.doesNotMatch(f.message, /AKIAZ7QX4MT2LW9RB3KD|ghp_R7tK2mQ9vX4bL8nW3cZ6yH1pD5sF0gJ7aE2u/);
    }
    const all = await cliJson<Finding[]>(w, ['findings']);
    assert.equal(all.length, 3);
    const one = await cliJson<Finding[]>(w, ['findings', '--file', 'deploy/ci.env']);
    assert.equal(one.length, 1);
  });
});

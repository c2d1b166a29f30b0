// Persistent agents through the real CLI and host: lazy start, one process for every task,
// concurrency on that process, cancel and timeout by $/cancelRequest, a hung task restarting the
// agent (and its helper), hot reload, host stop and kill -9. No agent process survives any test.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AgentInfo, TaskInfo } from '../../common/model';
import * as P from '../../common/protocol';
import { AGENTS, cleanup, cli, connect, hostInfo, makeWorkspace, ROOT, yaml } from './helpers';
import { alive, pidsWithMarker, uniqueMarker } from '../support/proc';
import { until } from '../support/wait';
import type { HostConnection } from '../../common/node/connect';

const made: string[] = [];
after(async () => {
  for (const w of made) await cleanup(w);
});

const cmd = (file: string, ...args: string[]): string =>
  JSON.stringify([process.execPath, join(AGENTS, file), ...args]);

function echoConfig(marker: string, extra = ''): string {
  return yaml(`
background:
  retry_attempts: 0
  agents:
    echo:
      command: ${cmd('persistent-echo.js', marker)}
      persistent: true
      concurrency: 2
${extra}`);
}

async function started(config: string): Promise<{ w: string; c: HostConnection }> {
  const w = makeWorkspace(config);
  made.push(w);
  const r = await cli(w, ['start']);
  assert.equal(r.code, 0, r.stderr);
  return { w, c: await connect(w) };
}

async function agent(c: HostConnection, id: string): Promise<AgentInfo> {
  return (await c.request(P.StatusRequest.type, {})).agents.find((a) => a.id === id)!;
}

async function run(c: HostConnection, item: P.SubmitItem): Promise<TaskInfo> {
  const { taskId } = await c.request(P.SubmitRequest.type, item);
  return c.request(P.WaitTaskRequest.type, { id: taskId, timeoutMs: 30_000 });
}

const pidOf = (t: TaskInfo): number => Number(/pid (\d+)/.exec(t.findings?.[0]?.message ?? '')?.[1]);

async function noSurvivors(marker: string): Promise<void> {
  await until(
    async () => (await pidsWithMarker(marker)).filter(alive).length === 0,
    10_000,
    `no process with ${marker}`,
  );
}

describe('persistent agents', () => {
  it('start lazily, serve every task from one process, run `concurrency` tasks at once, stop with agent/shutdown', async () => {
    const m = uniqueMarker('echo');
    const { w, c } = await started(echoConfig(m));
    try {
      const before = await agent(c, 'echo');
      assert.equal(before.state, 'idle');
      assert.deepEqual(before.pids, []);
      assert.deepEqual(await pidsWithMarker(m), [], 'not started before its first task');

      const t1 = await run(c, { agent: 'echo', task: 'first', files: ['a.ts'] });
      assert.equal(t1.state, 'succeeded', t1.detail);
      const pid = pidOf(t1);
      assert.ok(pid > 0);
      assert.equal(t1.attemptLog![0]!.pid, pid);
      assert.match(t1.findings![0]!.message, /task first attempt 1 files a\.ts/);
      const a = await agent(c, 'echo');
      assert.deepEqual([a.state, a.pids, a.restarts], ['idle', [pid], 0]);
      assert.ok(
        a.stderrTail?.some((l) => /persistent-echo: started/.test(l)),
        JSON.stringify(a.stderrTail),
      );

      // two 700 ms tasks on the one process overlap (concurrency: 2)
      const t0 = Date.now();
      const [x, y] = await Promise.all([
        run(c, { agent: 'echo', task: 'x', params: { ms: 700 } }),
        run(c, { agent: 'echo', task: 'y', params: { ms: 700 } }),
      ]);
      const elapsed = Date.now() - t0;
      assert.deepEqual([x.state, y.state, pidOf(x), pidOf(y)], ['succeeded', 'succeeded', pid, pid]);
      assert.ok(elapsed < 1300, `ran together: ${elapsed} ms`);

      const log = await c.request(P.TaskLogRequest.type, { id: x.id });
      assert.match(log.text, /\[progress\] 0% working on x/);
    } finally {
      c.close();
    }
    assert.equal((await cli(w, ['stop'])).code, 0);
    await noSurvivors(m);
    assert.match(readFileSync(join(w, '.agentic', 'logs', 'agents', 'echo.log'), 'utf8'), /shutdown requested/);
  });

  it('cancel is a $/cancelRequest: the agent stops the task and stays up for the next one', async () => {
    const m = uniqueMarker('cancel');
    const { w, c } = await started(echoConfig(m));
    try {
      const pid = pidOf(await run(c, { agent: 'echo', task: 'warm' }));
      const { taskId } = await c.request(P.SubmitRequest.type, { agent: 'echo', task: 'long', params: { ms: 60_000 } });
      await until(
        async () => (await c.request(P.GetTaskRequest.type, { id: taskId })).state === 'running',
        10_000,
        'running',
      );
      const t0 = Date.now();
      await c.request(P.CancelTaskRequest.type, { id: taskId });
      const t = await c.request(P.WaitTaskRequest.type, { id: taskId, timeoutMs: 10_000 });
      assert.equal(t.state, 'cancelled');
      // the agent answered the cancel: no kill after the 2 s grace, and the same process goes on
      assert.ok(Date.now() - t0 < 1900, `cancelled in ${Date.now() - t0} ms`);
      const next = await run(c, { agent: 'echo', task: 'after' });
      assert.equal(pidOf(next), pid);
      assert.equal((await agent(c, 'echo')).restarts, 0);
    } finally {
      c.close();
    }
    await cleanup(w);
    await noSurvivors(m);
  });

  it('maps answers: an error → agent_error, exitCode 2 → usage_error, a crash mid-task → exit_code and a restart', async () => {
    const m = uniqueMarker('answers');
    const { w, c } = await started(echoConfig(m));
    try {
      const pid = pidOf(await run(c, { agent: 'echo', task: 'warm' }));
      const e = await run(c, { agent: 'echo', task: 'err', params: { fail: 'nope' } });
      assert.deepEqual([e.state, e.reason], ['failed', 'agent_error']);
      assert.match(e.detail!, /asked to fail: nope/);
      const u = await run(c, { agent: 'echo', task: 'usage', params: { exitCode: 2, findings: [] } });
      assert.deepEqual([u.state, u.reason], ['failed', 'usage_error']);
      const bad = await run(c, { agent: 'echo', task: 'bad', params: { findings: [{ line: 1, message: 'no file' }] } });
      assert.deepEqual([bad.state, bad.reason], ['failed', 'output_error']);

      const crash = await run(c, { agent: 'echo', task: 'crash', params: { exit: 7 } });
      assert.deepEqual([crash.state, crash.reason, crash.exitCode], ['failed', 'exit_code', 7]);
      assert.match(
        crash.detail!,
        /ended while running this task \(exit code 7\): persistent-echo: exiting with 7 as asked/,
      );
      const next = await run(c, { agent: 'echo', task: 'next' });
      assert.equal(next.state, 'succeeded');
      assert.notEqual(pidOf(next), pid);
      const a = await agent(c, 'echo');
      assert.equal(a.restarts, 1);
      assert.equal(a.lastExit?.code, 7);
      assert.equal(alive(pid), false);
    } finally {
      c.close();
    }
    await cleanup(w);
    await noSurvivors(m);
  });

  it('a task that ignores its cancel after the timeout: the agent and its helper are killed and restarted', async () => {
    const m = uniqueMarker('hang');
    const { w, c } = await started(
      yaml(`
background:
  retry_attempts: 0
  agents:
    hang:
      command: ${cmd('persistent-hang-task.js', m)}
      persistent: true
      timeout: 500ms
`),
    );
    try {
      const ok = await run(c, { agent: 'hang', task: 'ok' });
      assert.equal(ok.state, 'succeeded', ok.detail);
      const [, pid, helper] = /pid (\d+) helper (\d+)/.exec(ok.findings![0]!.message)!.map(Number);
      assert.ok(alive(helper!), 'helper runs beside the agent');
      const t = await run(c, { agent: 'hang', task: 'hang' });
      assert.deepEqual([t.state, t.reason], ['failed', 'timeout']);
      assert.match(t.detail!, /timed out after 500ms; it did not stop, so the agent was restarted/);
      assert.equal(alive(pid!), false);
      assert.equal(alive(helper!), false, 'the whole process group went');
      const again = await run(c, { agent: 'hang', task: 'ok' });
      assert.equal(again.state, 'succeeded');
      assert.notEqual(pidOf(again), pid);
      const a = await agent(c, 'hang');
      assert.equal(a.restarts, 1);
      assert.equal(a.lastExit?.signal, 'SIGTERM');
    } finally {
      c.close();
    }
    await cleanup(w);
    await noSurvivors(m);
  });

  it('hot reload: a changed agent restarts after its running task; a removed one is stopped', async () => {
    const m = uniqueMarker('reload');
    const { w, c } = await started(echoConfig(m));
    try {
      const pid = pidOf(await run(c, { agent: 'echo', task: 'warm' }));
      const { taskId } = await c.request(P.SubmitRequest.type, { agent: 'echo', task: 'long', params: { ms: 1500 } });
      await until(
        async () => (await c.request(P.GetTaskRequest.type, { id: taskId })).state === 'running',
        10_000,
        'running',
      );
      writeFileSync(
        join(w, 'agentic_config.yaml'),
        echoConfig(m).replace('concurrency: 2', 'concurrency: 2\n      env: { ECHO_VERSION: "2" }'),
      );
      // the host's file watcher may apply it first; either way it is applied once
      const r = await cli(w, ['reload']);
      assert.equal(r.code, 0, r.stderr);
      const long = await c.request(P.WaitTaskRequest.type, { id: taskId, timeoutMs: 10_000 });
      assert.equal(long.state, 'succeeded', 'the running task was not cut short');
      assert.equal(pidOf(long), pid);
      const fresh = await until(
        async () => {
          const a = await agent(c, 'echo');
          return a.pids.length === 1 && a.pids[0] !== pid && a.state === 'idle' ? a.pids[0] : undefined;
        },
        10_000,
        'a new process',
      );
      assert.equal(alive(pid), false);
      assert.equal(pidOf(await run(c, { agent: 'echo', task: 'new' })), fresh);

      writeFileSync(join(w, 'agentic_config.yaml'), yaml('\nbackground:\n  agents: {}\n'));
      assert.equal((await cli(w, ['reload'])).code, 0);
      await noSurvivors(m);
    } finally {
      c.close();
    }
  });

  it('the example todo agent (examples/agents) reports TODO and FIXME comments', async () => {
    const m = uniqueMarker('todo');
    const w = makeWorkspace(
      yaml(`
background:
  agents:
    todo:
      command: ${JSON.stringify([process.execPath, join(ROOT, 'examples', 'agents', 'todo-agent.js'), m])}
      persistent: true
`),
      {
        'src/a.ts': 'const x = 1; // TODO: name this\n/* FIXME(me) leaks */\n',
        'node_modules/dep/b.js': '// TODO not mine\n',
      },
    );
    made.push(w);
    assert.equal((await cli(w, ['start'])).code, 0);
    const c = await connect(w);
    try {
      const one = await run(c, { agent: 'todo', task: 'todo', files: ['src/a.ts'] });
      assert.equal(one.state, 'succeeded', one.detail);
      assert.deepEqual(
        one.findings!.map((f) => `${f.file}:${f.line}:${f.column} ${f.severity} ${f.message}`),
        ['src/a.ts:1:17 info TODO: name this', 'src/a.ts:2:4 warning FIXME: leaks'],
      );
      const all = await run(c, { agent: 'todo', task: 'todo-all' });
      assert.deepEqual([...new Set(all.findings!.map((f) => f.file))], ['src/a.ts'], 'node_modules skipped');
    } finally {
      c.close();
    }
    await cleanup(w);
    await noSurvivors(m);
  });

  it('no persistent agent outlives a kill -9 of its host', async () => {
    const m = uniqueMarker('kill9');
    const { w, c } = await started(echoConfig(m));
    try {
      const pid = pidOf(await run(c, { agent: 'echo', task: 'warm' }));
      assert.ok(alive(pid));
    } finally {
      c.close();
    }
    process.kill(hostInfo(w).pid, 'SIGKILL');
    await noSurvivors(m);
  });
});

// Supervision through the real CLI and host: crash loops are quarantined (tasks wait with the
// reason; status says why with the last exit and stderr), restart-agent resets, the quarantine
// half-opens by itself; slow and failed starts, missing heartbeats, an agent that exits before
// the handshake, a one-shot agent that cannot be spawned. No agent process survives any test.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AgentInfo, TaskInfo } from '../../common/model';
import * as P from '../../common/protocol';
import type { HostConnection } from '../../common/node/connect';
import { AGENTS, cleanup, cli, connect, makeWorkspace, yaml } from './helpers';
import { alive, pidsWithMarker, uniqueMarker } from '../support/proc';
import { until } from '../support/wait';

const made: string[] = [];
after(async () => {
  for (const w of made) await cleanup(w);
});

const cmd = (file: string, ...args: string[]): string =>
  JSON.stringify([process.execPath, join(AGENTS, file), ...args]);

async function started(config: string, files: Record<string, string> = {}): Promise<{ w: string; c: HostConnection }> {
  const w = makeWorkspace(config, files);
  made.push(w);
  const r = await cli(w, ['start']);
  assert.equal(r.code, 0, r.stderr);
  return { w, c: await connect(w) };
}

async function agent(c: HostConnection, id: string): Promise<AgentInfo> {
  return (await c.request(P.StatusRequest.type, {})).agents.find((a) => a.id === id)!;
}

async function agentWhen(
  c: HostConnection,
  id: string,
  ok: (a: AgentInfo) => boolean,
  what: string,
  ms = 15_000,
): Promise<AgentInfo> {
  return until(
    async () => {
      const a = await agent(c, id);
      return ok(a) ? a : undefined;
    },
    ms,
    what,
  );
}

const task = (c: HostConnection, id: string): Promise<TaskInfo> => c.request(P.GetTaskRequest.type, { id });

async function stopAndCheck(w: string, marker: string): Promise<void> {
  assert.equal((await cli(w, ['stop'])).code, 0);
  await until(
    async () => (await pidsWithMarker(marker)).filter(alive).length === 0,
    10_000,
    `no process with ${marker}`,
  );
}

function crashConfig(marker: string, restart: string): string {
  return yaml(`
background:
  retry_attempts: 1
  retry_backoff: { initial: 50ms, factor: 1, jitter: false }
  agents:
    crashy:
      command: ${cmd('persistent-crashloop.js', 'crash-flag', marker)}
      persistent: true
      restart: ${restart}
`);
}

describe('supervision', () => {
  it('quarantines a crash loop: tasks wait with the reason, status is degraded, restart-agent resets it', async () => {
    const m = uniqueMarker('crashloop');
    const { w, c } = await started(crashConfig(m, '{ max_restarts: 3, window: 60s, cooldown: 10m }'), {
      'crash-flag': '',
    });
    try {
      const { taskId } = await c.request(P.SubmitRequest.type, { agent: 'crashy', task: 't' });
      const a = await agentWhen(c, 'crashy', (x) => x.state === 'quarantined', 'quarantine');
      assert.match(
        a.reason!,
        /^quarantined after 4 crashes in 60s; last exit code 3: crash-loop: boom \(pid \d+\); half-opens at \d\d:\d\d:\d\d \(cool-down 600s\) or now with: agentic-bg restart-agent crashy$/,
      );
      assert.equal(a.restarts, 3);
      assert.equal(a.lastExit?.code, 3);
      assert.equal(a.stderrTail!.filter((l) => /crash-loop: boom/.test(l)).length, 4);
      const s = await c.request(P.StatusRequest.type, {});
      assert.equal(s.health, 'degraded');
      assert.ok(s.healthReasons.includes('agent crashy is quarantined'), s.healthReasons.join('; '));
      // the task's attempt ended with the quarantine; it waits in the queue at the agent's gate
      const t = await until(
        async () => ((await task(c, taskId)).state === 'queued' ? task(c, taskId) : undefined),
        10_000,
        'task held',
      );
      assert.equal(t.attemptLog![0]!.reason, 'agent_unavailable');
      assert.deepEqual((await pidsWithMarker(m)).filter(alive), [], 'nothing runs while quarantined');
      const human = await cli(w, ['status']);
      assert.match(human.stdout, /crashy +quarantined .*quarantined after 4 crashes/);

      rmSync(join(w, 'crash-flag'));
      const r = await cli(w, ['restart-agent', 'crashy', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as AgentInfo).restarts, 0);
      const done = await c.request(P.WaitTaskRequest.type, { id: taskId, timeoutMs: 15_000 });
      assert.equal(done.state, 'succeeded', done.detail);
      assert.match(done.findings![0]!.message, /recovered/);
      const after = await agent(c, 'crashy');
      assert.deepEqual([after.state, after.restarts], ['idle', 0]);
      assert.equal((await c.request(P.StatusRequest.type, {})).health, 'ok');
      assert.equal((await cli(w, ['restart-agent', 'nope'])).code, 2);
    } finally {
      c.close();
    }
    await stopAndCheck(w, m);
  });

  it('half-opens after the cool-down: a failed trial doubles it, a good trial closes the quarantine', async () => {
    const m = uniqueMarker('halfopen');
    const { w, c } = await started(crashConfig(m, '{ max_restarts: 1, window: 60s, cooldown: 1s }'), {
      'crash-flag': '',
    });
    try {
      const { taskId } = await c.request(P.SubmitRequest.type, { agent: 'crashy', task: 't' });
      const first = await agentWhen(c, 'crashy', (x) => x.state === 'quarantined', 'quarantine');
      assert.match(first.reason!, /quarantined after 2 crashes in 60s.*cool-down 1s/);
      const again = await agentWhen(
        c,
        'crashy',
        (x) => /quarantined again: the trial after the cool-down failed.*cool-down 2s/.test(x.reason ?? ''),
        'failed trial',
      );
      assert.equal(again.state, 'quarantined');
      rmSync(join(w, 'crash-flag'));
      const t0 = Date.now();
      const done = await c.request(P.WaitTaskRequest.type, { id: taskId, timeoutMs: 15_000 });
      assert.equal(done.state, 'succeeded', done.detail);
      assert.ok(Date.now() - t0 < 6000, 'the next trial came after about 2 s');
      const a = await agent(c, 'crashy');
      assert.equal(a.state, 'idle');
      assert.equal(a.reason, undefined);
    } finally {
      c.close();
    }
    await stopAndCheck(w, m);
  });

  it('is "starting" until agent/initialize is answered; a start over start_timeout is a failed start', async () => {
    const m = uniqueMarker('slow');
    const { w, c } = await started(
      yaml(`
background:
  retry_attempts: 0
  agents:
    slow:
      command: ${cmd('persistent-slowstart.js', '1500', m)}
      persistent: true
      timeout: 1s
      restart: { start_timeout: 20s }
    tooslow:
      command: ${cmd('persistent-slowstart.js', '60000', m)}
      persistent: true
      restart: { start_timeout: 300ms, max_restarts: 1, cooldown: 10m }
`),
    );
    try {
      const t0 = Date.now();
      const { taskId } = await c.request(P.SubmitRequest.type, { agent: 'slow', task: 't' });
      const starting = await agentWhen(c, 'slow', (x) => x.state === 'starting', 'starting', 5000);
      assert.equal(starting.reason, 'waiting for agent/initialize');
      const t = await c.request(P.WaitTaskRequest.type, { id: taskId, timeoutMs: 15_000 });
      assert.equal(t.state, 'succeeded', `a slow start does not eat the task's 1s timeout: ${t.detail}`);
      assert.ok(Date.now() - t0 >= 1400);

      const bad = await c.request(P.SubmitRequest.type, { agent: 'tooslow', task: 't' });
      const a = await agentWhen(c, 'tooslow', (x) => x.state === 'quarantined', 'quarantine');
      assert.match(a.reason!, /last exit: no answer to agent\/initialize within 300ms \(killed by SIGTERM\)/);
      const f = await c.request(P.WaitTaskRequest.type, { id: bad.taskId, timeoutMs: 10_000 });
      assert.deepEqual([f.state, f.reason], ['failed', 'agent_unavailable']);
      assert.match(f.detail!, /quarantined after 2 crashes/);
    } finally {
      c.close();
    }
    await stopAndCheck(w, m);
  });

  it('counts missing heartbeats as hung: the agent is killed and restarted', async () => {
    const m = uniqueMarker('heartbeat');
    const { w, c } = await started(
      yaml(`
background:
  agents:
    hb:
      command: ${cmd('persistent-heartbeat-stops.js', '100', '300', m)}
      persistent: true
      restart: { max_restarts: 100 }
`),
    );
    try {
      const { taskId } = await c.request(P.SubmitRequest.type, { agent: 'hb', task: 't' });
      assert.equal((await c.request(P.WaitTaskRequest.type, { id: taskId, timeoutMs: 15_000 })).state, 'succeeded');
      const first = (await agent(c, 'hb')).pids[0]!;
      const a = await agentWhen(
        c,
        'hb',
        (x) => x.restarts >= 1 && x.pids.length === 1 && x.pids[0] !== first,
        'a restart',
      );
      assert.equal(a.lastExit?.signal, 'SIGTERM');
      assert.equal(alive(first), false);
      assert.match(
        readFileSync(join(w, '.agentic', 'logs', 'agents', 'hb.log'), 'utf8'),
        /exited \(hung\): no heartbeat for \d+ms \(it promised one every 100ms\)/,
      );
    } finally {
      c.close();
    }
    await stopAndCheck(w, m);
  });

  it('an agent that exits before the handshake is quarantined with its exit code and stderr', async () => {
    const m = uniqueMarker('early');
    const { w, c } = await started(
      yaml(`
background:
  retry_attempts: 0
  agents:
    early:
      command: ${cmd('persistent-exits-early.js', m)}
      persistent: true
      restart: { max_restarts: 1, cooldown: 10m }
`),
    );
    try {
      const { taskId } = await c.request(P.SubmitRequest.type, { agent: 'early', task: 't' });
      const a = await agentWhen(c, 'early', (x) => x.state === 'quarantined', 'quarantine');
      assert.match(a.reason!, /last exit code 0: exits-early: missing license file, giving up/);
      const t = await c.request(P.WaitTaskRequest.type, { id: taskId, timeoutMs: 10_000 });
      assert.deepEqual([t.state, t.reason], ['failed', 'agent_unavailable']);
    } finally {
      c.close();
    }
    await stopAndCheck(w, m);
  });

  it('a one-shot agent that cannot be spawned is quarantined too; fixing its command lifts it', async () => {
    const config = (command: string) =>
      yaml(`
background:
  retry_attempts: 5
  retry_backoff: { initial: 20ms, factor: 1, jitter: false }
  agents:
    gone:
      command: ${command}
      restart: { max_restarts: 2, cooldown: 10m }
`);
    const { w, c } = await started(config('["/nonexistent/agent-binary"]'));
    try {
      const { taskId } = await c.request(P.SubmitRequest.type, { agent: 'gone', task: 't' });
      const a = await agentWhen(c, 'gone', (x) => x.state === 'quarantined', 'quarantine');
      assert.match(
        a.reason!,
        /quarantined after 3 failed starts in 180s; last exit: command not found: \/nonexistent\/agent-binary/,
      );
      const t = await until(
        async () => ((await task(c, taskId)).state === 'queued' ? task(c, taskId) : undefined),
        10_000,
        'held',
      );
      assert.equal(t.attempts, 3);
      writeFileSync(join(w, 'agentic_config.yaml'), config(cmd('echo-task.js')));
      assert.equal((await cli(w, ['reload'])).code, 0);
      const done = await c.request(P.WaitTaskRequest.type, { id: taskId, timeoutMs: 10_000 });
      assert.equal(done.state, 'succeeded', done.detail);
    } finally {
      c.close();
    }
  });
});

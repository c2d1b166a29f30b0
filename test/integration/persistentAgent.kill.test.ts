// AgentProcess lets the CPU throttler go before it signals the group: beforeKill runs with the
// agent's pid ahead of every SIGTERM (kill for hung/protocol, and a stop whose grace ran out),
// so a group SIGSTOPped by the monitor cannot be stopped again while it should act on SIGTERM.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AgentProcess } from '../../host/agents/persistentAgent';
import { nullLogger } from '../../host/logger';
import { AGENTS, ROOT } from './helpers';

function agent(calls: Array<{ pid: number; exited: boolean }>, file = 'persistent-echo.js'): AgentProcess {
  let proc: AgentProcess | undefined;
  let exited = false;
  proc = new AgentProcess({
    id: 'echo',
    argv: [process.execPath, join(AGENTS, file)],
    cwd: ROOT,
    env: { ...process.env, AGENTIC_SDK: join(ROOT, 'dist', 'sdk.js') },
    nice: 0,
    workspace: ROOT,
    startTimeoutMs: 10_000,
    killGraceMs: 500,
    logger: nullLogger,
    onStderrLine: () => undefined,
    onProgress: () => undefined,
    beforeKill: (pid) => calls.push({ pid, exited }),
  });
  void proc.exited.then(() => (exited = true));
  return proc;
}

describe('AgentProcess.beforeKill', () => {
  it('runs with the pid before the group is killed (hung agent)', async () => {
    const calls: Array<{ pid: number; exited: boolean }> = [];
    const p = agent(calls);
    await p.start();
    const pid = p.pid!;
    p.kill('hung', 'test: no heartbeat');
    const e = await p.exited;
    assert.equal(e.why, 'hung');
    assert.deepEqual(calls, [{ pid, exited: false }]);
  });

  it('runs before the helper left in the group is killed, after a graceful stop of the agent', async () => {
    const calls: Array<{ pid: number; exited: boolean }> = [];
    const p = agent(calls, 'persistent-hang-task.js');
    await p.start();
    const pid = p.pid!;
    const e = await p.stop(5_000);
    assert.equal(e.why, 'stopped');
    assert.deepEqual(calls, [{ pid, exited: false }]);
  });

  it('a stop leaves no timer behind once the agent is gone (nothing holds the event loop for the grace)', async () => {
    // Timeouts are counted, not identified: this file runs nothing else meanwhile
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const p = agent([]);
    await p.start();
    const e = await p.stop(60_000);
    assert.equal(e.why, 'stopped');
    assert.equal(timers(), before, process.getActiveResourcesInfo().join(', '));
  });

  it('is not called when the agent and its group end by themselves within the grace', async () => {
    const calls: Array<{ pid: number; exited: boolean }> = [];
    const p = agent(calls);
    await p.start();
    const e = await p.stop(5_000);
    assert.equal(e.why, 'stopped');
    assert.deepEqual(calls, []);
  });
});

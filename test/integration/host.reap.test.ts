// The last line of defence after a crash: kill -9 of the host AND of its watchdog leaves the agents
// running; the next host start must find them through the journal (pid + /proc start time of the
// running attempt, journaled when the attempt started) and kill their process groups. Driven for
// real: a one-shot read agent and a one-shot write agent that ignore SIGTERM and fork children.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { groupPids } from '../../host/agents/processTree';
import { hostPaths } from '../../common/node/paths';
import type { TaskInfo } from '../../common/model';
import { AGENTS, cleanup, cli, cliJson, hostInfo, makeWorkspace, yaml } from './helpers';
import { alive, childrenOf, cmdlineOf, pidsWithMarker, uniqueMarker } from '../support/proc';
import { until, waitFor } from '../support/wait';

const made: string[] = [];
const groups: number[] = [];
after(async () => {
  for (const w of made) await cleanup(w);
  for (const g of groups) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
});
const T = { timeout: 120_000 };
const FORKTREE = join(AGENTS, 'forktree.sh');

/** the host's watchdog: its child running `sh -c SCRIPT agentic-watchdog` */
const watchdogOf = (host: number): number | undefined =>
  childrenOf(host).find((p) => cmdlineOf(p).includes('agentic-watchdog'));

describe('leftover agents after a crash of host and watchdog', () => {
  it('the next host start kills the process groups of the attempts the journal says were running', T, async () => {
    const marker = uniqueMarker('reap');
    const w = makeWorkspace(
      yaml(`
background:
  max_concurrent_agents: 2
  agents:
    reader:
      command: ["${FORKTREE}", "${marker}-r", "--ignore-term"]
      retry_attempts: 0
    writer:
      command: ["${FORKTREE}", "${marker}-w", "--ignore-term"]
      effects: write
      retry_attempts: 0
`),
    );
    made.push(w);
    assert.equal((await cli(w, ['start'])).code, 0);
    const host = hostInfo(w).pid;
    for (const a of ['reader', 'writer']) assert.equal((await cli(w, ['submit', '--agent', a, '--task', 't'])).code, 0);
    await until(async () => (await pidsWithMarker(marker)).length >= 8, 15_000, 'both fork trees');
    const running = await until(
      async () => {
        const ts = await cliJson<TaskInfo[]>(w, ['tasks', '--state', 'running']);
        return ts.length === 2 && ts.every((t) => t.pid) ? ts : undefined;
      },
      15_000,
      'two running tasks with pids',
    );
    const leaders = running.map((t) => t.pid!);
    groups.push(...leaders);
    await sleep(300);

    // The watchdog would kill the groups when the host dies: stop it first (a stopped process
    // does not read its EOF), kill the host, then kill the watchdog for good. The host is dead by
    // then, so nobody respawns the watchdog.
    const dog = watchdogOf(host);
    assert.ok(dog, 'the host has a watchdog');
    process.kill(dog, 'SIGSTOP');
    process.kill(host, 'SIGKILL');
    await until(() => !alive(host), 5000, 'host to die');
    process.kill(dog, 'SIGKILL');
    await until(() => !alive(dog), 5000, 'watchdog to die');
    await sleep(300);
    for (const g of leaders)
      assert.ok((await groupPids(g, { live: true })).length >= 3, `group ${g} survived the crash, as the test needs`);

    assert.equal((await cli(w, ['start'])).code, 0);
    const gone = await waitFor(
      async () => (await Promise.all(leaders.map((g) => groupPids(g, { live: true })))).every((p) => p.length === 0),
      10_000,
      50,
    );
    assert.notEqual(
      gone,
      -1,
      `leftover groups still alive: ${JSON.stringify(await Promise.all(leaders.map((g) => groupPids(g, { live: true }))))}`,
    );
    const log = readFileSync(join(hostPaths(w).logsDir, 'host.log'), 'utf8');
    const reaped = log.split('\n').filter((l) => l.includes('killing a leftover agent process group'));
    assert.equal(reaped.length, 2, `expected both groups reaped, log says:\n${reaped.join('\n')}`);
    for (const t of running)
      assert.ok(
        reaped.some((l) => l.includes(t.id) && l.includes(String(t.pid))),
        `no reap line for ${t.id} (pid ${t.pid})`,
      );

    // the read task runs again (at-least-once); the write task is parked for a human to check
    const after = await cliJson<TaskInfo[]>(w, ['tasks']);
    const writer = after.find((t) => t.agent === 'writer');
    assert.equal(writer?.state, 'interrupted');
  });
});

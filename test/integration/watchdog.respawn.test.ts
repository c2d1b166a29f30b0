// The watchdog is always re-established: however often it dies or cannot be spawned, it is
// respawned with backoff, the host's health says it is missing meanwhile, and a kill -9 of the
// host after several watchdog deaths still takes the agents down.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import type { HostStatus, TaskInfo } from '../../common/model';
import * as P from '../../common/protocol';
import { runOneShot } from '../../host/agents/oneShot';
import { groupPids } from '../../host/agents/processTree';
import { Watchdog } from '../../host/agents/watchdog';
import { memoryLogger } from '../../host/logger';
import { AGENTS, cleanup, cli, connect, hostInfo, makeWorkspace, yaml } from './helpers';
import { alive as pidAlive, pidsWithMarker } from '../support/proc';
import { until } from '../support/wait';

const T = { timeout: 60_000 };
const made: string[] = [];
after(async () => {
  for (const w of made) await cleanup(w);
});

/** the watchdog of the host with this pid: an `sh` whose parent is the host */
async function watchdogOf(hostPid: number): Promise<number | undefined> {
  for (const pid of await pidsWithMarker('agentic-watchdog')) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === hostPid && pidAlive(pid)) return pid;
    } catch {
      // gone
    }
  }
  return undefined;
}

describe('the watchdog is always re-established', () => {
  it(
    'a watchdog that cannot be spawned is retried with backoff until it runs, and is reported missing meanwhile',
    T,
    async () => {
      let failures = 4;
      let changes = 0;
      const logger = memoryLogger();
      const w = Watchdog.start(logger, {
        shell: () => (failures-- > 0 ? '/nonexistent/agentic-sh' : '/bin/sh'),
        onChange: () => changes++,
      });
      await until(() => w.missing, 5000, 'the failed spawn to be reported');
      assert.equal(w.pid, undefined);
      await until(() => w.pid, 10_000, 'the watchdog to run after 4 failed spawns');
      assert.equal(w.missing, undefined);
      assert.ok(changes >= 2, `onChange called ${changes} times`);
      const delays = logger.records
        .filter((r) => r.msg === 'respawning the watchdog')
        .map((r) => (r as unknown as { inMs: number }).inMs);
      assert.deepEqual(delays, [100, 200, 400, 800]);

      // and it does its job: an agent it tracks dies when the pipe closes
      const marker = `wdrespawn-${process.pid}-${Date.now()}`;
      let ready!: () => void;
      const started = new Promise<void>((r) => (ready = r));
      const run = runOneShot({
        argv: [process.execPath, `${AGENTS}/hang.js`, marker],
        cwd: __dirname,
        env: process.env,
        onSpawn: (pid) => w.track(pid),
        onStderrLine: (line) => line === 'ready' && ready(),
      });
      await started;
      await w.close();
      assert.equal((await run).signal, 'SIGTERM');
    },
  );

  it(
    'killed three times, it comes back each time (health degraded while it is missing), and a kill -9 of the host still takes its agents',
    T,
    async () => {
      const marker = `wdhost-${process.pid}-${Date.now()}`;
      const ws = makeWorkspace(
        yaml(`
background:
  agents:
    hang:
      command: ["${process.execPath}", "${AGENTS}/hang.js", "${marker}"]
`),
      );
      made.push(ws);
      assert.equal((await cli(ws, ['start'])).code, 0);
      const hostPid = hostInfo(ws).pid;
      const c = await connect(ws);
      const statuses: HostStatus[] = [];
      c.onNotification(P.StatusNotification.type, (s) => statuses.push(s));
      const missingReason = (s: HostStatus) => s.healthReasons.some((r) => r.startsWith('the watchdog is not running'));
      try {
        for (let kill = 1; kill <= 3; kill++) {
          const wd = await until(() => watchdogOf(hostPid), 10_000, `watchdog before kill ${kill}`);
          const seen = statuses.length;
          process.kill(wd, 'SIGKILL');
          await until(
            async () => {
              const now = await watchdogOf(hostPid);
              return now !== wd && now;
            },
            10_000,
            `watchdog after kill ${kill}`,
          );
          // its respawn waits 100, 200, 400 ms: from the second kill on, the status the host sends
          // 100 ms after the death (flush) is always computed before the respawn
          if (kill >= 2) {
            const during = await until(() => statuses.slice(seen).find(missingReason), 5000, 'a status without it');
            assert.equal(during.health, 'degraded');
          }
          await until(
            () => statuses.slice(seen).find((s) => s.health === 'ok' && !missingReason(s)),
            5000,
            'a status with it back',
          );
        }
        const r = await c.request(P.SubmitRequest.type, { agent: 'hang', task: 'hang' });
        const running = await until(async () => {
          const t: TaskInfo = await c.request(P.GetTaskRequest.type, { id: r.taskId });
          return t.pid;
        }, 10_000);
        await until(async () => (await pidsWithMarker(marker)).length > 0, 10_000, 'the agent to run');
        process.kill(hostPid, 'SIGKILL');
        await until(
          async () =>
            (await pidsWithMarker(marker)).length === 0 && (await groupPids(running, { live: true })).length === 0,
          10_000,
          'the agent to die with the host',
        );
      } finally {
        c.close();
      }
    },
  );
});

// The limits monitor on real processes, without a host: no timer while idle, live numbers of the
// whole group, the memory callback, SIGSTOP throttling that release()/stop() always undo, and no
// fds kept open between samples.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { memoryLogger } from '../../host/logger';
import { Monitor } from '../../host/agents/monitor';
import { killGroup } from '../../host/agents/processTree';
import { AGENTS, NODE } from './helpers';
import { pidsWithMarker, stateOf, uniqueMarker } from '../support/proc';
import { sleep, until } from '../support/wait';

const children: ChildProcess[] = [];
after(() => children.forEach((c) => killGroup(c.pid!, 'SIGKILL')));

function start(file: string, ...args: string[]): number {
  const c = spawn(NODE, [join(AGENTS, file), ...args], { detached: true, stdio: 'ignore' });
  children.push(c);
  return c.pid!;
}
const state = (pid: number): string | undefined => stateOf(pid);
const fds = (): number => readdirSync('/proc/self/fd').length;
const T = { timeout: 60_000 };

/**
 * The monitor's clock, counting its reads: every sampling pass reads it (at its start, after the
 * /proc read, to schedule the next), so "n more reads" means the monitor has sampled again.
 */
function countingClock(): { now(): number; reads(): number; passes(n: number): Promise<void> } {
  let reads = 0;
  const now = () => (reads++, performance.now());
  return {
    now,
    reads: () => reads,
    // three reads per pass: n passes are certain once 3n + 2 more reads have happened
    passes: async (n: number) => {
      const from = reads;
      await until(() => reads >= from + 3 * n + 2, 10_000, `${n} more sampling passes`, 5);
    },
  };
}

describe('Monitor', () => {
  it('samples the whole group while it is watched, and has no timer once nothing is', T, async () => {
    const clock = countingClock();
    const mon = new Monitor({ logger: memoryLogger(), mode: () => 'production', now: clock.now });
    assert.equal(mon.active, false);
    const marker = uniqueMarker('montree');
    const pid = start('memtree.js', marker, '--children', '2', '--mb', '30');
    let fired = 0;
    mon.watch(pid, { agent: 'a', taskId: 't1', maxMemoryBytes: 50e6, onMemoryExceeded: () => fired++ });
    assert.equal(mon.active, true);
    const before = fds();
    let maxFds = before;
    // the fds are looked at every 5 ms while the children start and allocate, and the monitor sees them
    const live = await until(
      () => {
        maxFds = Math.max(maxFds, fds());
        const l = mon.live('a');
        return l && l.pids.length === 3 && l.rssBytes! > 60e6 && fired > 0 ? l : undefined;
      },
      20_000,
      'the monitor to see the leader and both children over 60 MB',
      5,
    );
    assert.equal(live.tier, 'throttle');
    // still over the limit for more passes: the callback must not fire again
    await clock.passes(3);
    assert.equal(fired, 1, 'the memory callback fires once');
    assert.ok(mon.live('a')!.rssBytes! > 50e6, 'still over the limit while the passes ran');
    assert.ok(maxFds <= before + 1, `the monitor held ${maxFds - before} fds`);
    const r = mon.unwatch(pid)!;
    assert.ok(r.peakRssBytes! > 60e6);
    assert.equal(mon.active, false, 'no sampling timer when idle');
    assert.equal(mon.live('a'), undefined);
    killGroup(pid, 'SIGKILL');
    mon.stop();
  });

  it('throttles with SIGSTOP, and release() / stop() always leave the group running', T, async () => {
    const clock = countingClock();
    const mon = new Monitor({ logger: memoryLogger(), mode: () => 'production', now: clock.now });
    const marker = uniqueMarker('monspin');
    const pid = start('spinner.js', marker, '--procs', '2');
    const kids = await until(
      async () => {
        const p = await pidsWithMarker(marker);
        return p.length === 2 && p.every((x) => state(x) === 'R') ? p : undefined;
      },
      10_000,
      'the leader and its child spinning',
    );
    mon.watch(pid, { agent: 'a', taskId: 't', maxCpuPercent: 10, onMemoryExceeded: () => undefined });
    // the duty cycle: a 1 s window of its state (at 10 % the group is stopped most of the time)
    let stopped = 0;
    for (let i = 0; i < 100; i++) {
      if (state(pid) === 'T') stopped++;
      await sleep(10);
    }
    assert.ok(stopped > 30, `stopped in ${stopped}/100 samples at 10 %`);
    mon.release(pid);
    // released while still watched: through several more passes, no member is stopped again
    const from = clock.reads();
    while (clock.reads() < from + 3 * 3 + 2) {
      for (const p of kids) assert.notEqual(state(p), 'T', 'released, yet stopped');
      await sleep(5);
    }
    mon.unwatch(pid);

    // stop() (host shutdown) mid-throttle
    mon.watch(pid, { agent: 'a', taskId: 't2', maxCpuPercent: 5, onMemoryExceeded: () => undefined });
    await until(() => state(pid) === 'T', 5000, 'the group stopped by the throttle', 5);
    mon.stop();
    assert.equal(mon.active, false);
    await until(() => kids.every((p) => state(p) !== 'T'), 5000, 'the group continued by stop()', 5);
    // a stop timer left armed would fire within one throttle period (100 ms): watch two
    const end = performance.now() + 200;
    while (performance.now() < end) {
      for (const p of kids) assert.notEqual(state(p), 'T', 'stopped again after stop()');
      await sleep(5);
    }
    killGroup(pid, 'SIGKILL');
  });

  it('development mode observes without stopping anything', T, async () => {
    const logger = memoryLogger();
    const clock = countingClock();
    const mon = new Monitor({ logger, mode: () => 'development', now: clock.now });
    const pid = start('spinner.js', uniqueMarker('devmon'));
    mon.watch(pid, {
      agent: 'a',
      taskId: 't',
      maxCpuPercent: 10,
      onMemoryExceeded: () => assert.fail('no kill in development'),
    });
    // the warning needs a full second of samples over the limit; the group is watched meanwhile
    let stopped = 0;
    await until(
      () => {
        if (state(pid) === 'T') stopped++;
        return stopped > 0 || logger.records.some((r) => /not enforced in development mode/.test(r.msg));
      },
      20_000,
      'a warning about the limit',
      5,
    );
    assert.equal(stopped, 0, 'stopped in development mode');
    assert.equal(mon.live('a')!.tier, 'observe-only');
    assert.ok(mon.live('a')!.cpuPercent! > 0);
    mon.unwatch(pid);
    killGroup(pid, 'SIGKILL');
  });
});

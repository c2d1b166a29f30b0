// The limits monitor on real processes, without a host: no timer while idle, live numbers of the
// whole group, the memory callback, SIGSTOP throttling that release()/stop() always undo, and no
// fds kept open between samples.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { memoryLogger } from '../../host/logger';
import { Monitor } from '../../host/agents/monitor';
import { killGroup } from '../../host/agents/processTree';
import { AGENTS, NODE } from './helpers';
import { pidsWithMarker, uniqueMarker } from '../support/proc';

const children: ChildProcess[] = [];
after(() => children.forEach((c) => killGroup(c.pid!, 'SIGKILL')));

function start(file: string, ...args: string[]): number {
  const c = spawn(NODE, [join(AGENTS, file), ...args], { detached: true, stdio: 'ignore' });
  children.push(c);
  return c.pid!;
}
const state = (pid: number): string => /\) (\S) /.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))![1]!;
const fds = (): number => readdirSync('/proc/self/fd').length;
const T = { timeout: 60_000 };

describe('Monitor', () => {
  it('samples the whole group while it is watched, and has no timer once nothing is', T, async () => {
    const mon = new Monitor({ logger: memoryLogger(), mode: () => 'production' });
    assert.equal(mon.active, false);
    const marker = uniqueMarker('montree');
    const pid = start('memtree.js', marker, '--children', '2', '--mb', '30');
    let fired = 0;
    mon.watch(pid, { agent: 'a', taskId: 't1', maxMemoryBytes: 50e6, onMemoryExceeded: () => fired++ });
    assert.equal(mon.active, true);
    const before = fds();
    let maxFds = before;
    const end = Date.now() + 1500;
    while (Date.now() < end) {
      maxFds = Math.max(maxFds, fds());
      await sleep(5);
    }
    const live = mon.live('a')!;
    assert.equal(live.pids.length, 3, 'leader and both children');
    assert.ok(live.rssBytes! > 60e6, `rss ${live.rssBytes}`);
    assert.equal(live.tier, 'throttle');
    assert.equal(fired, 1, 'the memory callback fires once');
    assert.ok(maxFds <= before + 1, `the monitor held ${maxFds - before} fds`);
    const r = mon.unwatch(pid)!;
    assert.ok(r.peakRssBytes! > 60e6);
    assert.equal(mon.active, false, 'no sampling timer when idle');
    assert.equal(mon.live('a'), undefined);
    killGroup(pid, 'SIGKILL');
    mon.stop();
  });

  it('throttles with SIGSTOP, and release() / stop() always leave the group running', T, async () => {
    const mon = new Monitor({ logger: memoryLogger(), mode: () => 'production' });
    const marker = uniqueMarker('monspin');
    const pid = start('spinner.js', marker, '--procs', '2');
    await sleep(300);
    mon.watch(pid, { agent: 'a', taskId: 't', maxCpuPercent: 10, onMemoryExceeded: () => undefined });
    let stopped = 0;
    for (let i = 0; i < 100; i++) {
      if (state(pid) === 'T') stopped++;
      await sleep(10);
    }
    assert.ok(stopped > 30, `stopped in ${stopped}/100 samples at 10 %`);
    mon.release(pid);
    const kids = await pidsWithMarker(marker);
    assert.equal(kids.length, 2);
    for (let i = 0; i < 30; i++) {
      for (const p of kids) assert.notEqual(state(p), 'T', 'released, yet stopped');
      await sleep(10);
    }
    mon.unwatch(pid);

    // stop() (host shutdown) mid-throttle
    mon.watch(pid, { agent: 'a', taskId: 't2', maxCpuPercent: 5, onMemoryExceeded: () => undefined });
    await until(() => state(pid) === 'T');
    mon.stop();
    assert.equal(mon.active, false);
    await sleep(50);
    for (const p of kids) assert.notEqual(state(p), 'T');
    killGroup(pid, 'SIGKILL');
  });

  it('development mode observes without stopping anything', T, async () => {
    const logger = memoryLogger();
    const mon = new Monitor({ logger, mode: () => 'development' });
    const pid = start('spinner.js', uniqueMarker('devmon'));
    mon.watch(pid, {
      agent: 'a',
      taskId: 't',
      maxCpuPercent: 10,
      onMemoryExceeded: () => assert.fail('no kill in development'),
    });
    for (let i = 0; i < 150; i++) {
      assert.notEqual(state(pid), 'T');
      await sleep(10);
    }
    assert.equal(mon.live('a')!.tier, 'observe-only');
    assert.ok(mon.live('a')!.cpuPercent! > 0);
    mon.unwatch(pid);
    killGroup(pid, 'SIGKILL');
    assert.ok(
      logger.records.some((r) => /not enforced in development mode/.test(r.msg)),
      'a warning about the limit',
    );
  });
});

async function until(fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}

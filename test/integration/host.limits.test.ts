// Resource limits through the real host and CLI: memory kills of the whole process
// tree (reason memory_limit, with the peak), CPU held to max_cpu_percent, tiers and live numbers
// in status, development mode observing only, and a bounded number of open fds in the host.
// See ARCHITECTURE.md: Invariants, Limits.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { parseProcUsage } from '../../host/agents/procSample';
import { groupPids } from '../../host/agents/processTree';
import type { HostStatus, TaskInfo } from '../../common/model';
import type * as P from '../../common/protocol';
import { agent, AGENTS, cleanup, cli, cliJson, hostInfo, makeWorkspace, NODE, waitTask, yaml } from './helpers';
import { alive, groupMembers, pidsWithMarker, stateOf, uniqueMarker } from '../support/proc';
import { until } from '../support/wait';

const made: string[] = [];
after(async () => {
  for (const ws of made) await cleanup(ws);
});
function ws(config: string): string {
  const w = makeWorkspace(config);
  made.push(w);
  return w;
}
const T = { timeout: 120_000 };

async function submit(w: string, a: string): Promise<string> {
  return (await cliJson<P.SubmitRequest.Result>(w, ['submit', '--agent', a, '--task', 't'])).taskId;
}

/** utime+stime (ms) of every process in the group, zombies included (their counters are final) */
function groupCpuMs(pgid: number): number {
  let sum = 0;
  for (const p of groupMembers(pgid)) {
    try {
      sum += parseProcUsage(readFileSync(`/proc/${p}/stat`, 'latin1'))?.selfMs ?? 0;
    } catch {
      // gone
    }
  }
  return sum;
}

/** % of one core the group used over windowMs, by its own /proc counters */
async function measureCpu(pgid: number, windowMs: number): Promise<number> {
  const c0 = groupCpuMs(pgid);
  const t0 = performance.now();
  await sleep(windowMs);
  return (100 * (groupCpuMs(pgid) - c0)) / (performance.now() - t0);
}

const leaderOf = async (w: string, id: string): Promise<number> =>
  until(async () => (await cliJson<TaskInfo[]>(w, ['tasks'])).find((t) => t.id === id)?.pid, 15_000, 'task pid');

const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

describe('memory limits', () => {
  it(
    'a memory hog is killed with reason memory_limit and its peak, soon after crossing; the failure is retried',
    T,
    async () => {
      const marker = uniqueMarker('hog');
      const crossFile = join(tmpdir(), `${marker}.crossed`);
      const w = ws(
        yaml(`
background:
  retry_backoff: { initial: 3s, factor: 1, jitter: false }
  agents:
    hog:
      command: ["${NODE}", "${agent('memhog.js')}", "${marker}", "--step", "10", "--every", "50", "--max", "600", "--cross", "100", "--cross-file", "${crossFile}"]
      max_memory: 100MB
      retry_attempts: 1
`),
      );
      assert.equal((await cli(w, ['start'])).code, 0);
      const id = await submit(w, 'hog');
      // tight polls of one file and one pid: a scan of every /proc/*/cmdline can itself take
      // hundreds of ms on a loaded machine and would blur the number
      const deadline = Date.now() + 20_000;
      while (!existsSync(crossFile) && Date.now() < deadline) await sleep(5);
      const [crossedAt, , hogPid] = readFileSync(crossFile, 'utf8').split(' ').map(Number) as [number, number, number];
      while (alive(hogPid) && Date.now() < deadline) await sleep(5);
      const ms = Date.now() - crossedAt;
      assert.deepEqual(await pidsWithMarker(marker), []);
      console.log(`# memory limit: process group gone ${ms} ms after crossing 100MB (load ${loadavg()})`);
      assert.ok(ms < 2500, `took ${ms} ms (goal ≤ 1000)`);
      const t = await waitTask(w, id);
      rmSync(crossFile, { force: true });
      assert.equal(t.state, 'failed');
      assert.equal(t.reason, 'memory_limit');
      assert.equal(t.attempts, 2, 'memory_limit is retried like other failures');
      for (const a of t.attemptLog!) {
        assert.equal(a.reason, 'memory_limit');
        assert.ok(a.peakRssBytes! > 100e6, `peak ${a.peakRssBytes}`);
        assert.match(a.detail!, /^memory limit 100MB exceeded \(peak \d+(\.\d)?MB\)$/);
      }
      console.log(`# ${t.attemptLog![0]!.detail}`);
    },
  );

  it(
    'an agent that ignores SIGTERM gets no 2 s grace to keep growing: it ends near its limit, not several times it',
    T,
    async () => {
      const marker = uniqueMarker('hogterm');
      const rssFile = join(tmpdir(), `${marker}.rss`);
      // 200 MB/s: through a 2 s grace it would reach its 600 MB cap, six times the limit
      const w = ws(
        yaml(`
background:
  agents:
    hog:
      command: ["${NODE}", "${agent('memhog.js')}", "${marker}", "--step", "10", "--every", "50", "--max", "600", "--ignore-term", "--rss-file", "${rssFile}"]
      max_memory: 100MB
      retry_attempts: 0
`),
      );
      assert.equal((await cli(w, ['start'])).code, 0);
      const t = await cliJson<TaskInfo>(w, ['submit', '--agent', 'hog', '--task', 't', '--wait']);
      assert.equal(t.reason, 'memory_limit', t.detail);
      assert.deepEqual(await pidsWithMarker(marker), []);
      const last = Number(readFileSync(rssFile, 'utf8'));
      rmSync(rssFile, { force: true });
      console.log(
        `# SIGTERM ignored: last RSS the hog saw ${Math.round(last / 1e6)}MB (limit 100MB, load ${loadavg()})`,
      );
      assert.ok(last < 300e6, `grew to ${Math.round(last / 1e6)}MB after crossing a 100MB limit`);
    },
  );

  it('a persistent agent that ignores SIGTERM is killed near its limit too (memory kill grace)', T, async () => {
    const rssFile = join(tmpdir(), `${uniqueMarker('phog')}.rss`);
    const w = ws(
      yaml(`
background:
  agents:
    phog:
      command: ["${NODE}", "${agent('persistent-memhog.js')}", "${rssFile}"]
      persistent: true
      max_memory: 100MB
      retry_attempts: 0
`),
    );
    assert.equal((await cli(w, ['start'])).code, 0);
    const t = await cliJson<TaskInfo>(w, ['submit', '--agent', 'phog', '--task', 't', '--wait']);
    assert.equal(t.reason, 'memory_limit', t.detail);
    const last = Number(readFileSync(rssFile, 'utf8'));
    rmSync(rssFile, { force: true });
    console.log(`# persistent, SIGTERM ignored: last RSS ${Math.round(last / 1e6)}MB (limit 100MB, load ${loadavg()})`);
    assert.ok(last < 300e6, `grew to ${Math.round(last / 1e6)}MB after crossing a 100MB limit`);
  });

  it(
    'the whole tree counts: children that allocate take the group over while every process alone is under',
    T,
    async () => {
      const marker = uniqueMarker('memtree');
      const w = ws(
        yaml(`
background:
  agents:
    tree:
      command: ["${NODE}", "${agent('memtree.js')}", "${marker}", "--children", "3", "--mb", "60"]
      max_memory: 150MB
      retry_attempts: 0
`),
      );
      assert.equal((await cli(w, ['start'])).code, 0);
      const t = await cliJson<TaskInfo>(w, ['submit', '--agent', 'tree', '--task', 't', '--wait']);
      assert.equal(t.reason, 'memory_limit', t.detail);
      assert.ok(t.attemptLog![0]!.peakRssBytes! > 150e6);
      assert.deepEqual(await pidsWithMarker(marker), []);
      console.log(`# tree: ${t.detail}`);
    },
  );

  it('a Node agent under its limit runs fine (no RLIMIT_AS): 50 MB with max_memory 200MB succeeds', T, async () => {
    const w = ws(
      yaml(`
background:
  agents:
    alloc:
      command: ["${NODE}", "${agent('alloc.js')}", "50", "1000"]
      max_memory: 200MB
`),
    );
    assert.equal((await cli(w, ['start'])).code, 0);
    const t = await cliJson<TaskInfo>(w, ['submit', '--agent', 'alloc', '--task', 't', '--wait']);
    assert.equal(t.state, 'succeeded', t.detail);
    const peak = t.attemptLog![0]!.peakRssBytes!;
    assert.ok(peak >= 50e6 && peak < 200e6, `peak ${peak}`);
  });
});

describe('CPU limits', () => {
  it(
    'max_cpu_percent 25 holds a busy loop, and a group of two, to 25 % of a core; status shows tier and live numbers',
    T,
    async () => {
      const m1 = uniqueMarker('spin1');
      const m2 = uniqueMarker('spin2');
      const w = ws(
        yaml(`
background:
  max_concurrent_agents: 2
  agents:
    spin:
      command: ["${NODE}", "${agent('spinner.js')}", "${m1}"]
      max_cpu_percent: 25
    spin2:
      command: ["${NODE}", "${agent('spinner.js')}", "${m2}", "--procs", "2"]
      max_cpu_percent: 25
`),
      );
      assert.equal((await cli(w, ['start'])).code, 0);
      const [id1, id2] = [await submit(w, 'spin'), await submit(w, 'spin2')];
      const [p1, p2] = [await leaderOf(w, id1), await leaderOf(w, id2)];
      await until(async () => (await pidsWithMarker(m2)).length === 2, 10_000, 'both spinners of spin2');
      await sleep(1500);
      const [c1, c2] = await Promise.all([measureCpu(p1, 5000), measureCpu(p2, 5000)]);
      console.log(
        `# CPU over 5 s at max_cpu_percent 25: one spinner ${c1.toFixed(1)} %, a group of two ${c2.toFixed(1)} % (load ${loadavg()})`,
      );
      assert.ok(c1 <= 30, `one spinner: ${c1}`);
      assert.ok(c2 <= 30, `group of two: ${c2}`);
      assert.ok(c1 > 2 && c2 > 2, 'throttled, not frozen');

      const s = await cliJson<HostStatus>(w, ['status']);
      const a = s.agents.find((x) => x.id === 'spin')!;
      assert.ok(a.tier === 'throttle' || a.tier === 'cgroup', a.tier);
      if (a.tier === 'throttle') assert.match(a.tierReason!, /SIGSTOP\/SIGCONT/);
      assert.ok(a.cpuPercent! > 0 && a.cpuPercent! < 40, `status cpu ${a.cpuPercent}`);
      assert.ok(a.rssBytes! > 1e6);
      assert.ok(a.pids.includes(p1));
      assert.equal(
        s.agents.find((x) => x.id === 'spin2')!.pids.length,
        2,
        'every pid of the group, not just the leader',
      );

      for (const id of [id1, id2]) assert.equal((await cli(w, ['cancel', id])).code, 0);
      assert.deepEqual([...(await pidsWithMarker(m1)), ...(await pidsWithMarker(m2))], []);
      assert.deepEqual([...(await groupPids(p1, { live: true })), ...(await groupPids(p2, { live: true }))], []);
    },
  );
});

describe('development mode', () => {
  it('observes and reports limits without enforcing them, and does not retry', T, async () => {
    const m = uniqueMarker('devspin');
    const w = ws(
      yaml(`
background:
  agents:
    spin:
      command: ["${NODE}", "${agent('spinner.js')}", "${m}"]
      max_cpu_percent: 25
    hog:
      command: ["${NODE}", "${agent('memhog.js')}", "${m}-hog", "--step", "10", "--every", "30", "--max", "160", "--exit-at-max"]
      max_memory: 100MB
    fail:
      command: ["${NODE}", "${agent('exit-code.js')}", "3"]
      retry_attempts: 3
`),
    );
    assert.equal((await cli(w, ['start', '--mode', 'development'])).code, 0);
    const id = await submit(w, 'spin');
    const pid = await leaderOf(w, id);
    // never SIGSTOPped: sample its state for 2 s (throttled at 25 %, it would be stopped ~75 % of the time)
    let stopped = 0;
    for (let i = 0; i < 100; i++) {
      if (stateOf(pid) === 'T') stopped++;
      await sleep(20);
    }
    assert.equal(stopped, 0);
    const s = await cliJson<HostStatus>(w, ['status']);
    assert.equal(s.mode, 'development');
    const a = s.agents.find((x) => x.id === 'spin')!;
    assert.equal(a.tier, 'observe-only');
    assert.match(a.tierReason!, /development mode/);
    assert.ok(a.cpuPercent !== undefined && a.rssBytes !== undefined, 'still observed');
    // the warning needs a whole second over 30 %: on a loaded machine a nice-10 spinner may take longer
    const hostLog = join(w, '.agentic', 'logs', 'host.log');
    await until(
      () => /CPU \d+% over max_cpu_percent 25; not enforced in development mode/.test(readFileSync(hostLog, 'utf8')),
      30_000,
      'the CPU warning of development mode',
    );
    assert.equal((await cli(w, ['cancel', id])).code, 0);

    const hog = await cliJson<TaskInfo>(w, ['submit', '--agent', 'hog', '--task', 't', '--wait']);
    assert.equal(hog.state, 'succeeded', hog.detail);
    assert.ok(hog.attemptLog![0]!.peakRssBytes! > 100e6);
    const log = readFileSync(hostLog, 'utf8');
    assert.match(log, /memory limit 100MB exceeded .*not enforced in development mode/);
    assert.match(log, /CPU \d+% over max_cpu_percent 25; not enforced in development mode/);

    const fail = await cliJson<TaskInfo>(w, ['submit', '--agent', 'fail', '--task', 't', '--wait']);
    assert.equal(fail.state, 'failed');
    assert.equal(fail.attempts, 1);
  });
});

describe('host resources', () => {
  it('keeps its open fds bounded (≤ 30 + 4 per running agent) while 4 limited agents run', T, async () => {
    const m = uniqueMarker('fds');
    const w = ws(
      yaml(`
background:
  max_concurrent_agents: 4
  agents:
    s1:
      command: ["${NODE}", "${agent('spinner.js')}", "${m}-s1"]
      max_cpu_percent: 20
    s2:
      command: ["${NODE}", "${agent('spinner.js')}", "${m}-s2", "--procs", "2"]
      max_cpu_percent: 20
    tree:
      command: ["${AGENTS}/forktree.sh", "${m}-tree"]
      max_memory: 500MB
    mem:
      command: ["${NODE}", "${agent('memtree.js')}", "${m}-mem", "--children", "2", "--mb", "10"]
      max_memory: 1GB
`),
    );
    assert.equal((await cli(w, ['start'])).code, 0);
    const host = hostInfo(w).pid;
    const fds = (): number => readdirSync(`/proc/${host}/fd`).length;
    const idle = fds();
    const ids = await Promise.all(['s1', 's2', 'tree', 'mem'].map((a) => submit(w, a)));
    await until(async () => (await cliJson<HostStatus>(w, ['status'])).queue.running === 4, 15_000, '4 running');
    await until(async () => (await pidsWithMarker(m)).length >= 10, 15_000, 'all agent processes');
    let max = 0;
    const end = performance.now() + 4000;
    while (performance.now() < end) {
      max = Math.max(max, fds());
      await sleep(10);
    }
    console.log(`# host fds: ${idle} idle, at most ${max} with 4 agents running (bound ${30 + 4 * 4})`);
    assert.ok(max <= 30 + 4 * 4, `${max} fds`);
    for (const id of ids) await cli(w, ['cancel', id]);
    assert.deepEqual(await pidsWithMarker(m), []);
  });
});

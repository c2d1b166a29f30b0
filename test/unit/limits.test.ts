// Pure limit decisions (host/agents/limits.ts) under fake time: tiers, CPU accounting of a
// process group, the throttle's duty cycle, memory peaks; plus the /proc/PID/stat parser.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  accountCpu,
  CpuWindow,
  decideTier,
  fmtBytes,
  fmtLimit,
  initialThrottle,
  memoryDetail,
  memoryKillGraceMs,
  memoryStep,
  throttleStep,
  type CpuSample,
  type ThrottleParams,
} from '../../host/agents/limits';
import { parseProcUsage } from '../../host/agents/procSample';

describe('decideTier', () => {
  it('observe-only without limits or in development; cgroup only for a CPU limit where usable', () => {
    assert.equal(decideTier({ mode: 'production', cgroupUsable: true }), 'observe-only');
    assert.equal(
      decideTier({ mode: 'development', maxCpuPercent: 25, maxMemoryBytes: 1e8, cgroupUsable: true }),
      'observe-only',
    );
    assert.equal(decideTier({ mode: 'production', maxCpuPercent: 25, cgroupUsable: true }), 'cgroup');
    assert.equal(decideTier({ mode: 'production', maxCpuPercent: 25, cgroupUsable: false }), 'throttle');
    // memory is always the host's sampling and kill, whatever the machine offers
    assert.equal(decideTier({ mode: 'production', maxMemoryBytes: 1e8, cgroupUsable: true }), 'throttle');
  });
});

const s = (pid: number, ppid: number, selfMs: number, childMs = 0): CpuSample => ({ pid, ppid, selfMs, childMs });

describe('accountCpu', () => {
  it('counts new members in full and the growth of known ones', () => {
    const a = accountCpu(new Map(), [s(10, 1, 30), s(11, 10, 20)]);
    assert.equal(a.deltaMs, 50);
    const b = accountCpu(a.next, [s(10, 1, 40), s(11, 10, 20), s(12, 10, 10)]);
    assert.equal(b.deltaMs, 20);
  });

  it('a short-lived child reaped by a member: its whole time once, through the parent', () => {
    const a = accountCpu(new Map(), [s(10, 1, 0), s(11, 10, 30)]);
    // 11 used 50 ms in total (30 already counted), exited and was reaped by 10
    const b = accountCpu(a.next, [s(10, 1, 0, 50)]);
    assert.equal(b.deltaMs, 20);
    // a child born and reaped between two samples was never seen: its time still counts
    const c = accountCpu(b.next, [s(10, 1, 0, 50 + 70)]);
    assert.equal(c.deltaMs, 70);
  });

  it('a member that vanished without a member parent loses only its last interval; reused pids never go negative', () => {
    const a = accountCpu(new Map(), [s(10, 1, 10), s(20, 1, 100)]);
    assert.equal(accountCpu(a.next, [s(10, 1, 15)]).deltaMs, 5);
    assert.equal(accountCpu(a.next, [s(10, 1, 15), s(20, 1, 3)]).deltaMs, 5);
  });
});

describe('CpuWindow', () => {
  it('percent of one core over the window, once two samples span time', () => {
    const w = new CpuWindow(1000);
    w.add(0, 0);
    assert.equal(w.percent(), undefined);
    for (let t = 100; t <= 3000; t += 100) w.add(t, t * 0.25 + (t > 2000 ? (t - 2000) * 0.5 : 0));
    // the last second: 0.75 CPU ms per ms
    assert.ok(Math.abs(w.percent()! - 75) < 6, String(w.percent()));
    assert.ok(w.spanMs() >= 1000 && w.spanMs() <= 1100);
  });
});

/**
 * A group that burns `rate` CPU ms per wall ms while running, driven by throttleStep every
 * period, with late timers (the run slice overruns by up to `lateMs`) and the kernel's 10 ms
 * counter granularity. Returns the CPU % over the whole run and the worst 5 s window.
 */
function simulate(p: ThrottleParams, rate: number, seconds: number, lateMs = 4, rnd = lcg(7)) {
  let t = 0;
  let trueCpu = 0;
  const seen = () => Math.floor(trueCpu / 10) * 10;
  let st = initialThrottle(p, 0, 0);
  let ranMs = 0;
  const history: Array<[number, number]> = [[0, 0]];
  let stoppedPeriods = 0;
  while (t < seconds * 1000) {
    const r = throttleStep(st, { nowMs: t, cpuMs: seen(), ranMs }, p);
    st = r.state;
    const late = r.runMs > 0 && r.runMs < p.periodMs ? rnd() * lateMs : 0;
    ranMs = Math.min(p.periodMs, r.runMs + late);
    if (ranMs < p.periodMs) stoppedPeriods++;
    trueCpu += ranMs * rate;
    t += p.periodMs;
    history.push([t, trueCpu]);
  }
  let worst = 0;
  for (let i = 0; i < history.length; i++) {
    const j = history.findIndex(([tj]) => tj >= history[i]![0] + 5000);
    if (j < 0) break;
    worst = Math.max(worst, (100 * (history[j]![1] - history[i]![1])) / (history[j]![0] - history[i]![0]));
  }
  return { percent: (100 * trueCpu) / t, worst5s: worst, stoppedPeriods };
}

function lcg(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe('throttleStep', () => {
  const p = { limitPercent: 25, periodMs: 100 };

  it('holds a busy loop to the limit, over the whole run and every 5 s window', () => {
    const r = simulate(p, 1, 60);
    assert.ok(Math.abs(r.percent - 25) < 1, `${r.percent}`);
    assert.ok(r.worst5s <= 26.5, `worst 5 s window ${r.worst5s}`);
  });

  it('holds a group of two busy processes to the same total (feedback, not a fixed duty cycle)', () => {
    const r = simulate(p, 2, 60);
    assert.ok(Math.abs(r.percent - 25) < 1.5, `${r.percent}`);
    assert.ok(r.worst5s <= 27, `worst 5 s window ${r.worst5s}`);
  });

  it('does not stop a group that uses less than its limit, once its rate is measured', () => {
    const r = simulate(p, 0.1, 30);
    // it starts out assumed to be a busy loop: the first slices are short until measured
    assert.ok(r.stoppedPeriods <= 3, String(r.stoppedPeriods));
    assert.ok(Math.abs(r.percent - 10) < 0.5);
  });

  it('limits above one core work for multi-threaded groups', () => {
    const r = simulate({ limitPercent: 150, periodMs: 100 }, 4, 60);
    assert.ok(Math.abs(r.percent - 150) < 4, `${r.percent}`);
  });

  it('pays back an overshoot (a long stall of the host) and caps saved-up budget', () => {
    let st = initialThrottle(p, 0, 0);
    // the run slice overran by 800 ms at full speed
    let r = throttleStep(st, { nowMs: 1000, cpuMs: 1000, ranMs: 1000 }, p);
    assert.equal(r.runMs, 0);
    assert.ok(r.state.budgetMs < 0 && r.state.budgetMs >= -1000);
    // idle for a minute: no burst beyond one period's allowance
    st = { ...r.state, budgetMs: 0 };
    r = throttleStep(st, { nowMs: 61_000, cpuMs: 1000, ranMs: 0 }, p);
    assert.ok(r.state.budgetMs <= 25 + 30, String(r.state.budgetMs));
  });
});

describe('memory', () => {
  it('a memory kill gets a short grace just over the limit and none far over it (never the 2 s of a timeout)', () => {
    assert.equal(memoryKillGraceMs(101e6, 100e6), 250);
    assert.equal(memoryKillGraceMs(149e6, 100e6), 250);
    assert.equal(memoryKillGraceMs(150e6, 100e6), 0);
    assert.equal(memoryKillGraceMs(900e6, 100e6), 0);
  });

  it('tracks the peak; over means strictly more than the limit', () => {
    let m = { peakBytes: 0, exceeded: false };
    m = memoryStep(m, 80e6, 100e6);
    assert.deepEqual(m, { peakBytes: 80e6, exceeded: false });
    m = memoryStep(m, 100e6, 100e6);
    assert.equal(m.exceeded, false);
    m = memoryStep(m, 143e6, 100e6);
    assert.deepEqual(m, { peakBytes: 143e6, exceeded: true });
    m = memoryStep(m, 90e6, 100e6);
    assert.deepEqual(m, { peakBytes: 143e6, exceeded: false });
    assert.equal(memoryStep(m, 1e12, undefined).exceeded, false);
  });

  it('formats sizes the way they are configured', () => {
    assert.equal(memoryDetail(100e6, 143.2e6), 'memory limit 100MB exceeded (peak 143MB)');
    assert.equal(memoryDetail(256 * 2 ** 20, undefined), 'memory limit 256MiB exceeded');
    assert.equal(memoryDetail(150e6, 150.4e6), 'memory limit 150MB exceeded (peak 150.4MB)');
    assert.equal(fmtLimit(2 ** 30), '1GiB');
    assert.equal(fmtBytes(1.55e9), '1.6GB');
    assert.equal(fmtBytes(52.4e6), '52.4MB');
  });
});

describe('parseProcUsage', () => {
  it('reads the fields after the last ")" (comm may hold spaces and parentheses)', () => {
    const line =
      '4242 (a) b (c)) S 4000 4242 4242 0 -1 4194560 100 0 0 0 150 25 7 3 30 10 1 0 12345 50000000 2560 18446744073709551615';
    const u = parseProcUsage(line)!;
    assert.deepEqual(u, {
      pid: 4242,
      state: 'S',
      ppid: 4000,
      pgrp: 4242,
      session: 4242,
      selfMs: 1750,
      childMs: 100,
      rssPages: 2560,
    });
    assert.equal(parseProcUsage('garbage'), undefined);
  });
});

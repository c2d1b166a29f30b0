// Pure decisions for an agent's resource limits: which enforcement tier applies, how
// much CPU a process group used between two /proc samples, the SIGSTOP/SIGCONT duty cycle that
// holds it to max_cpu_percent, memory peaks and the over-limit check. No I/O and no clock: the
// caller (monitor.ts) passes samples and times in, so all of it runs under fake time in tests.
// See ARCHITECTURE.md: Invariants, Limits.
import type { EnforcementTier } from '../../common/model';

export type Mode = 'production' | 'development';

// ---------------------------------------------------------------------------------------------
// Tier

export interface TierInput {
  mode: Mode;
  maxCpuPercent?: number;
  maxMemoryBytes?: number;
  /** cgroup v2 with the cpu controller delegated to the host (cgroup.ts) */
  cgroupUsable: boolean;
}

/**
 * - observe-only: nothing to enforce (no limit) or development mode (observed, reported, warned).
 * - cgroup: the kernel enforces the CPU limit (cpu.max); memory is still the host's sampling.
 * - throttle: the host enforces with signals: SIGSTOP/SIGCONT for CPU, SIGTERM/SIGKILL for memory.
 */
export function decideTier(i: TierInput): EnforcementTier {
  if (i.mode === 'development') return 'observe-only';
  if (i.maxCpuPercent === undefined && i.maxMemoryBytes === undefined) return 'observe-only';
  return i.maxCpuPercent !== undefined && i.cgroupUsable ? 'cgroup' : 'throttle';
}

// ---------------------------------------------------------------------------------------------
// CPU accounting of a process group

/** One member's counters from /proc/PID/stat, in ms (utime+stime, cutime+cstime). */
export interface CpuSample {
  pid: number;
  ppid: number;
  selfMs: number;
  /** CPU of children this process has waited for (the kernel adds them when it reaps them) */
  childMs: number;
}

export type CpuMemory = Map<number, CpuSample>;

/**
 * CPU the group used since the previous sample. Summing members' own counters alone misses every
 * short-lived process (a shell script running greps, make running compilers): they are born and
 * reaped between samples. Their time does show up in the parent's cutime once reaped, so the
 * children counters are added too — minus what was already counted of a vanished member whose
 * parent is still a member (the parent's cutime now holds that member's whole total).
 * Counters only grow; a negative difference (pid reused) counts as 0.
 */
export function accountCpu(prev: CpuMemory, now: CpuSample[]): { deltaMs: number; next: CpuMemory } {
  const next: CpuMemory = new Map();
  let delta = 0;
  for (const s of now) {
    next.set(s.pid, s);
    const p = prev.get(s.pid);
    delta += Math.max(0, s.selfMs - (p?.selfMs ?? 0)) + Math.max(0, s.childMs - (p?.childMs ?? 0));
  }
  let doubleCounted = 0;
  for (const [pid, p] of prev) {
    if (!next.has(pid) && next.has(p.ppid)) doubleCounted += p.selfMs + p.childMs;
  }
  return { deltaMs: Math.max(0, delta - doubleCounted), next };
}

/** CPU % (100 = one core) over a sliding window of (time, cumulative CPU ms) samples. */
export class CpuWindow {
  private readonly samples: Array<[number, number]> = [];
  constructor(private readonly windowMs = 1000) {}

  add(atMs: number, cumulativeCpuMs: number): void {
    this.samples.push([atMs, cumulativeCpuMs]);
    // keep the newest sample that is at least windowMs old, so the span covers the whole window
    while (this.samples.length > 2 && atMs - this.samples[1]![0] >= this.windowMs) this.samples.shift();
  }

  /** undefined until two samples span some time */
  percent(): number | undefined {
    if (this.samples.length < 2) return undefined;
    const [t0, c0] = this.samples[0]!;
    const [t1, c1] = this.samples.at(-1)!;
    return t1 > t0 ? (100 * (c1 - c0)) / (t1 - t0) : undefined;
  }

  /** wall ms the window spans */
  spanMs(): number {
    return this.samples.length < 2 ? 0 : this.samples.at(-1)![0] - this.samples[0]![0];
  }
}

// ---------------------------------------------------------------------------------------------
// CPU throttling: a duty cycle steered by measured usage
//
// Why feedback and not a fixed duty cycle: a fixed "run 25 ms of every 100 ms" holds a
// single-threaded busy loop to 25 %, but a group of two busy processes (or a multi-threaded tool)
// would get 50 %, and late timers on a loaded machine only ever lengthen the run slice. Here the
// group earns CPU budget at limit% of wall time and each period it runs only as long as its budget
// lasts at the rate it was measured to burn CPU while running. Overshoot (late timer, more threads
// than expected) becomes debt that the next periods pay back, so the long-run average converges on
// the limit whatever the cause; an agent that uses less than its limit is never stopped.

export interface ThrottleParams {
  limitPercent: number;
  periodMs: number;
}

export interface ThrottleState {
  /** CPU ms the group may still use; negative = debt from overshooting */
  budgetMs: number;
  /** CPU ms used per wall ms while running (1 = one busy thread), smoothed */
  rate: number;
  lastAtMs: number;
  lastCpuMs: number;
}

export interface ThrottleSample {
  nowMs: number;
  /** the group's cumulative CPU ms */
  cpuMs: number;
  /** wall ms the group was actually running (not SIGSTOPped) since the previous step */
  ranMs: number;
}

const MIN_RATE = 0.05; // an almost idle group: long slices, but never a division by ~0
const MAX_RATE = 256;
// Budget saved while idle or stopped is capped at one period's allowance (plus the counters'
// granularity, or their 10 ms steps would be lost at the cap and the group held below its
// limit): an agent that waited on I/O for a minute must not then burst at 100 % for 15 s.
const BURST_PERIODS = 1;
const COUNTER_SLACK_MS = 30;
// Debt is paid back but bounded, so one long stall of the host (the run slice overran by seconds)
// does not freeze the agent for minutes afterwards.
const MAX_DEBT_MS = 1000;
// Slices shorter than this are not worth two signals: keep the budget for the next period.
const MIN_SLICE_MS = 2;

export function initialThrottle(p: ThrottleParams, nowMs: number, cpuMs: number): ThrottleState {
  return { budgetMs: allowance(p, p.periodMs) * BURST_PERIODS, rate: 1, lastAtMs: nowMs, lastCpuMs: cpuMs };
}

function allowance(p: ThrottleParams, wallMs: number): number {
  return (p.limitPercent / 100) * wallMs;
}

/**
 * One period boundary: account what was used, then decide how long the group may run in the
 * period starting now. runMs >= periodMs means "keep it running"; 0 means "keep it stopped".
 */
export function throttleStep(
  s: ThrottleState,
  x: ThrottleSample,
  p: ThrottleParams,
): { state: ThrottleState; runMs: number } {
  const dt = Math.max(0, x.nowMs - s.lastAtMs);
  const used = Math.max(0, x.cpuMs - s.lastCpuMs);
  let rate = s.rate;
  // Only a slice long enough to measure updates the rate: the CPU counters tick in 10 ms steps.
  if (x.ranMs >= 20) rate = clamp(0.5 * rate + 0.5 * (used / x.ranMs), MIN_RATE, MAX_RATE);
  const cap = allowance(p, p.periodMs) * BURST_PERIODS + COUNTER_SLACK_MS;
  const budgetMs = clamp(s.budgetMs + allowance(p, dt) - used, -MAX_DEBT_MS, cap);
  let runMs = budgetMs <= 0 ? 0 : budgetMs / rate;
  if (runMs < MIN_SLICE_MS) runMs = 0;
  return { state: { budgetMs, rate, lastAtMs: x.nowMs, lastCpuMs: x.cpuMs }, runMs: Math.min(runMs, p.periodMs) };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

// ---------------------------------------------------------------------------------------------
// Memory

export interface MemoryState {
  peakBytes: number;
  exceeded: boolean;
}

/** Track the peak and whether the group's RSS is over the limit now (strictly more than it). */
export function memoryStep(s: MemoryState, rssBytes: number, limitBytes: number | undefined): MemoryState {
  return { peakBytes: Math.max(s.peakBytes, rssBytes), exceeded: limitBytes !== undefined && rssBytes > limitBytes };
}

/** A memory kill's SIGTERM grace when the group is just over its limit (a timeout's is 2 s). */
export const MEMORY_KILL_GRACE_MS = 250;
/** At this multiple of the limit the group gets no grace at all: SIGKILL at once. */
export const MEMORY_FAR_OVER = 1.5;

/**
 * The SIGTERM → SIGKILL grace of a memory kill. Not the timeout's 2 s: an agent that ignores
 * SIGTERM keeps allocating through the whole grace, and at a few hundred MB/s that is several
 * times its limit. A short grace lets a well-behaved agent flush a line; far over, none.
 */
export function memoryKillGraceMs(rssBytes: number, limitBytes: number): number {
  return rssBytes >= limitBytes * MEMORY_FAR_OVER ? 0 : MEMORY_KILL_GRACE_MS;
}

/** "143MB", "1.5GB": measured sizes, decimal units like the config's MB (10^6). */
export function fmtBytes(n: number): string {
  if (n >= 1e9) return `${round1(n / 1e9)}GB`;
  if (n >= 1e6) return `${round1(n / 1e6)}MB`;
  if (n >= 1e3) return `${round1(n / 1e3)}kB`;
  return `${n}B`;
}

/** A configured size in the unit the user most likely wrote: "100MB", "256MiB", "1GiB". */
export function fmtLimit(n: number): string {
  const mib = 1024 * 1024;
  if (n >= mib && n % mib === 0) return n % (1024 * mib) === 0 ? `${n / (1024 * mib)}GiB` : `${n / mib}MiB`;
  return fmtBytes(n);
}

function round1(v: number): string {
  return v >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10);
}

export function memoryDetail(limitBytes: number, peakBytes: number | undefined): string {
  const limit = fmtLimit(limitBytes);
  let peak = peakBytes ? fmtBytes(peakBytes) : undefined;
  // "limit 150MB exceeded (peak 150MB)" would read as a contradiction: show the decimals
  if (peakBytes && peak === limit) peak = `${(peakBytes / 1e6).toFixed(1)}MB`;
  return `memory limit ${limit} exceeded${peak ? ` (peak ${peak})` : ''}`;
}

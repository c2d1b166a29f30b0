// Samples every running agent's process group and enforces its limits. ONE timer for
// all groups, and none while no agent runs: every 250 ms a pass over /proc finds the groups'
// members (procSample.ts: no pidusage, at most one fd open, briefly); every 100 ms while a group
// is throttled, only the known members are read again.
//
// Memory: the sum of the group's RSS (shared pages count once per process, like pidusage) over
// max_memory → onMemoryExceeded, and the caller kills the group (reason memory_limit).
// CPU: the cgroup tier when cgroup.ts can place the group, otherwise a SIGSTOP/SIGCONT duty
// cycle steered by the measured usage (limits.ts). Development mode enforces nothing: it
// observes, reports and warns.
// See ARCHITECTURE.md: Invariants, Limits.
import type { EnforcementTier } from '../../common/model';
import type { Logger } from '../logger';
import type { AgentCgroup, CgroupTier } from './cgroup';
import {
  accountCpu,
  CpuWindow,
  decideTier,
  fmtBytes,
  fmtLimit,
  initialThrottle,
  memoryKillGraceMs,
  memoryStep,
  throttleStep,
  type CpuMemory,
  type MemoryState,
  type Mode,
  type ThrottleState,
} from './limits';
import { killGroup } from './processTree';
import { GroupScanner, pageSize, type ProcUsage } from './procSample';

const dead = (u: ProcUsage): boolean => u.state === 'Z' || u.state === 'X';

export { parseProcUsage, type ProcUsage } from './procSample';

export interface MonitorOptions {
  logger: Logger;
  mode(): Mode;
  /** the cgroup tier, or why there is none */
  cgroup?: CgroupTier | { reason: string };
  sampleMs?: number;
  periodMs?: number;
  now?(): number;
}

export interface WatchSpec {
  agent: string;
  taskId: string;
  maxMemoryBytes?: number;
  maxCpuPercent?: number;
  /**
   * production only, called once: the group went over maxMemoryBytes and must be killed, with this
   * SIGTERM → SIGKILL grace (limits.ts memoryKillGraceMs: short, or 0 when far over)
   */
  onMemoryExceeded(peakBytes: number, killGraceMs: number): void;
}

export interface LiveNumbers {
  cpuPercent?: number;
  rssBytes?: number;
  pids: number[];
  tier: EnforcementTier;
}

interface Throttle {
  state?: ThrottleState;
  stopped: boolean;
  runningSince: number;
  ranMs: number;
  stopTimer?: NodeJS.Timeout;
  released: boolean;
}

interface Group {
  pgid: number;
  spec: WatchSpec;
  tier: EnforcementTier;
  enforce: boolean;
  cpu: CpuMemory;
  cpuMs: number;
  window: CpuWindow;
  pids: number[];
  rssBytes?: number;
  mem: MemoryState;
  memoryFired: boolean;
  warned: Set<'memory' | 'cpu'>;
  throttle?: Throttle;
  cg?: AgentCgroup;
}

export class Monitor {
  private readonly groups = new Map<number, Group>();
  private readonly scanner = new GroupScanner();
  private readonly logger: Logger;
  private readonly sampleMs: number;
  private readonly periodMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private lastDiscovery = -Infinity;
  private exitHook: (() => void) | undefined;

  constructor(private readonly opts: MonitorOptions) {
    this.logger = opts.logger.child({ component: 'limits' });
    this.sampleMs = opts.sampleMs ?? 250;
    this.periodMs = opts.periodMs ?? 100;
    this.now = opts.now ?? (() => performance.now());
    const c = opts.cgroup;
    if (c && !('place' in c)) this.logger.info(`CPU limits are enforced with SIGSTOP/SIGCONT: ${c.reason}`);
  }

  private get cgroup(): CgroupTier | undefined {
    const c = this.opts.cgroup;
    return c && 'place' in c && c.usable ? c : undefined;
  }

  /** Whether a sampling timer is armed or a tick runs: false whenever no agent runs. */
  get active(): boolean {
    return this.timer !== undefined || this.ticking;
  }

  /** The tier an agent's next task would get, and why it is not `cgroup` when it could be. */
  tierFor(a: { maxCpuPercent?: number; maxMemoryBytes?: number }): { tier: EnforcementTier; reason?: string } {
    const mode = this.opts.mode();
    const tier = decideTier({ mode, ...limitsOf(a), cgroupUsable: this.cgroup !== undefined });
    if (
      tier === 'observe-only' &&
      mode === 'development' &&
      (a.maxCpuPercent !== undefined || a.maxMemoryBytes !== undefined)
    ) {
      return { tier, reason: 'development mode: limits are observed and reported, not enforced' };
    }
    if (tier === 'throttle' && a.maxCpuPercent !== undefined) {
      const c = this.opts.cgroup;
      const why = c && 'reason' in c && c.reason ? c.reason : 'cgroup v2 not usable';
      return { tier, reason: `CPU held by SIGSTOP/SIGCONT: ${why}` };
    }
    return { tier };
  }

  /** Start sampling a process group (right after spawn); limits apply per group. */
  watch(pgid: number, spec: WatchSpec): void {
    const mode = this.opts.mode();
    const enforce = mode === 'production';
    const t = this.now();
    const g: Group = {
      pgid,
      spec,
      tier: decideTier({ mode, ...limitsOf(spec), cgroupUsable: this.cgroup !== undefined }),
      enforce,
      cpu: new Map(),
      cpuMs: 0,
      window: new CpuWindow(1000),
      pids: [pgid],
      mem: { peakBytes: 0, exceeded: false },
      memoryFired: false,
      warned: new Set(),
    };
    this.groups.set(pgid, g);
    if (enforce && spec.maxCpuPercent !== undefined) {
      if (g.tier === 'cgroup') void this.placeInCgroup(g, spec.maxCpuPercent);
      else g.throttle = { stopped: false, runningSince: t, ranMs: 0, released: false };
    }
    if (!this.exitHook) {
      // last resort: whatever way the host exits, no group it stopped stays stopped
      this.exitHook = () => this.releaseAll();
      process.on('exit', this.exitHook);
    }
    // A throttled group needs its first decision now. Any other group waits for the next regular
    // sample, as it would had it started a moment earlier: at hundreds of short tasks a second,
    // a sample per spawn was a /proc read and two timer operations per task (npm run bench).
    if (g.throttle) this.kick();
    else if (!this.timer && !this.ticking) this.schedule(this.sampleMs);
  }

  private async placeInCgroup(g: Group, percent: number): Promise<void> {
    const cg = await this.cgroup?.place(g.pgid, percent);
    if (this.groups.get(g.pgid) !== g) {
      await cg?.remove();
      return;
    }
    if (cg) g.cg = cg;
    else {
      g.tier = 'throttle';
      g.throttle = { stopped: false, runningSince: this.now(), ranMs: 0, released: false };
    }
  }

  /** Stop throttling the group and SIGCONT it: call before signalling it to end. Idempotent. */
  release(pgid: number): void {
    const th = this.groups.get(pgid)?.throttle;
    if (!th || th.released) return;
    th.released = true;
    clearTimeout(th.stopTimer);
    if (th.stopped) killGroup(pgid, 'SIGCONT');
    th.stopped = false;
  }

  /** The group has ended: forget it. Returns its peak RSS and the tier that applied. */
  unwatch(pgid: number): { peakRssBytes?: number; tier: EnforcementTier } | undefined {
    const g = this.groups.get(pgid);
    if (!g) return undefined;
    this.release(pgid);
    this.groups.delete(pgid);
    if (g.cg) void g.cg.remove();
    if (this.groups.size === 0) this.idle();
    return { ...(g.mem.peakBytes > 0 ? { peakRssBytes: g.mem.peakBytes } : {}), tier: g.tier };
  }

  /** Live numbers of an agent's running groups, summed; undefined when none runs. */
  live(agent: string): LiveNumbers | undefined {
    let out: LiveNumbers | undefined;
    for (const g of this.groups.values()) {
      if (g.spec.agent !== agent) continue;
      out ??= { pids: [], tier: g.tier };
      out.pids.push(...g.pids);
      const pct = g.window.percent();
      if (pct !== undefined) out.cpuPercent = (out.cpuPercent ?? 0) + Math.round(pct * 10) / 10;
      if (g.rssBytes !== undefined) out.rssBytes = (out.rssBytes ?? 0) + g.rssBytes;
    }
    return out;
  }

  /** Host shutdown: SIGCONT every stopped group and stop sampling. */
  stop(): void {
    this.releaseAll();
    this.groups.clear();
    this.idle();
    if (this.exitHook) process.off('exit', this.exitHook);
    this.exitHook = undefined;
  }

  private releaseAll(): void {
    for (const pgid of this.groups.keys()) this.release(pgid);
  }

  private idle(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sample now (a throttled group needs a decision at once), unless a tick is already running. */
  private kick(): void {
    if (this.ticking) return;
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.groups.size === 0) return;
    this.ticking = true;
    const start = this.now();
    try {
      const discover = start - this.lastDiscovery >= this.sampleMs - 5;
      if (discover) this.lastDiscovery = start;
      const samples = discover ? await this.scanner.discover(this.groups, start) : this.readMembers();
      const t = this.now();
      for (const g of this.groups.values()) this.update(g, samples.get(g.pgid) ?? [], t);
      for (const g of this.groups.values()) if (g.throttle && !g.throttle.released) this.stepThrottle(g, t);
    } catch (err) {
      this.logger.error('sampling failed', { error: String(err) });
    } finally {
      this.ticking = false;
    }
    if (this.groups.size === 0) return;
    // a throttled group needs a decision every period; otherwise sampling is enough
    const throttling = [...this.groups.values()].some((g) => g.throttle && !g.throttle.released);
    this.schedule(Math.max(0, start + (throttling ? this.periodMs : this.sampleMs) - this.now()));
  }

  /** Between discoveries (every period while throttling): only the members already known. */
  private readMembers(): Map<number, ProcUsage[]> {
    return this.scanner.readMembers([...this.groups.values()].map((g) => [g.pgid, g.cpu.keys()]));
  }

  private update(g: Group, samples: ProcUsage[], t: number): void {
    const acc = accountCpu(g.cpu, samples);
    g.cpu = acc.next;
    g.cpuMs += acc.deltaMs;
    g.window.add(t, g.cpuMs);
    const live = samples.filter((u) => !dead(u));
    g.pids = live.map((u) => u.pid).sort((a, b) => a - b);
    g.rssBytes = live.reduce((s, u) => s + u.rssPages, 0) * pageSize();
    const { spec } = g;
    g.mem = memoryStep(g.mem, g.rssBytes, spec.maxMemoryBytes);
    const fields = { agent: spec.agent, taskId: spec.taskId, pgid: g.pgid };
    if (g.mem.exceeded && spec.maxMemoryBytes !== undefined) {
      if (g.enforce && !g.memoryFired) {
        g.memoryFired = true;
        this.logger.warn(
          `memory limit ${fmtLimit(spec.maxMemoryBytes)} exceeded (${fmtBytes(g.rssBytes)}): killing the process group`,
          fields,
        );
        this.release(g.pgid);
        try {
          spec.onMemoryExceeded(g.mem.peakBytes, memoryKillGraceMs(g.rssBytes, spec.maxMemoryBytes));
        } catch (err) {
          this.logger.error('memory limit handler failed', { ...fields, error: String(err) });
        }
      } else if (!g.enforce && !g.warned.has('memory')) {
        g.warned.add('memory');
        this.logger.warn(
          `memory limit ${fmtLimit(spec.maxMemoryBytes)} exceeded (${fmtBytes(g.rssBytes)}); not enforced in development mode`,
          fields,
        );
      }
    }
    const pct = g.window.percent();
    // a whole window over the limit, with a margin for the 10 ms granularity of the counters
    if (
      !g.enforce &&
      spec.maxCpuPercent !== undefined &&
      pct !== undefined &&
      g.window.spanMs() >= 900 &&
      pct > spec.maxCpuPercent + 5 &&
      !g.warned.has('cpu')
    ) {
      g.warned.add('cpu');
      this.logger.warn(
        `CPU ${Math.round(pct)}% over max_cpu_percent ${spec.maxCpuPercent}; not enforced in development mode`,
        fields,
      );
    }
    // members forked before the leader was moved stay in the host's cgroup until moved here
    if (g.cg) for (const pid of g.pids) if (!g.cg.moved.has(pid)) void g.cg.add(pid);
  }

  private stepThrottle(g: Group, t: number): void {
    const th = g.throttle!;
    const p = { limitPercent: g.spec.maxCpuPercent!, periodMs: this.periodMs };
    if (!th.stopped) {
      th.ranMs += t - th.runningSince;
      th.runningSince = t;
    }
    th.state ??= initialThrottle(p, t, g.cpuMs);
    const step = throttleStep(th.state, { nowMs: t, cpuMs: g.cpuMs, ranMs: th.ranMs }, p);
    th.state = step.state;
    th.ranMs = 0;
    clearTimeout(th.stopTimer);
    th.stopTimer = undefined;
    if (step.runMs <= 0) {
      this.setStopped(g, true, t);
      return;
    }
    this.setStopped(g, false, t);
    if (step.runMs < this.periodMs) {
      th.stopTimer = setTimeout(() => this.setStopped(g, true, this.now()), step.runMs);
      th.stopTimer.unref();
    }
  }

  private setStopped(g: Group, stop: boolean, t: number): void {
    const th = g.throttle!;
    if (th.released || th.stopped === stop) return;
    if (!killGroup(g.pgid, stop ? 'SIGSTOP' : 'SIGCONT')) return; // gone: its runner will unwatch it
    th.stopped = stop;
    if (stop) th.ranMs += t - th.runningSince;
    else th.runningSince = t;
  }
}

function limitsOf(a: { maxCpuPercent?: number; maxMemoryBytes?: number }): {
  maxCpuPercent?: number;
  maxMemoryBytes?: number;
} {
  return {
    ...(a.maxCpuPercent !== undefined ? { maxCpuPercent: a.maxCpuPercent } : {}),
    ...(a.maxMemoryBytes !== undefined ? { maxMemoryBytes: a.maxMemoryBytes } : {}),
  };
}

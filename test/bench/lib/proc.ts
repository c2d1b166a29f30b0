// What the bench reads about processes and the machine, straight from /proc (Linux): no `ps`,
// no pidusage, so reading a figure never costs a fork that would itself disturb the figure.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release } from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  kernel: string;
  loadavg: number[];
}

export function machine(): Machine {
  let cpu = cpus()[0]?.model ?? '?';
  try {
    cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // not Linux: os.cpus() is good enough
  }
  return {
    cpu: cpu.trim(),
    cores: availableParallelism(),
    node: process.version,
    kernel: release(),
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

let ticks: number | undefined;
/** USER_HZ: the unit of utime/stime in /proc/PID/stat (100 on every mainstream Linux). */
export function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** utime + stime of a process, in seconds; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  const s = cpuSplit(pid);
  return s && s.user + s.system;
}

/** utime and stime apart: fork()'s page-table copying shows up as system time */
export function cpuSplit(pid: number): { user: number; system: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3; utime is field 14, stime field 15
    return { user: Number(rest[11]) / clockTicks(), system: Number(rest[12]) / clockTicks() };
  } catch {
    return undefined;
  }
}

/** Resident set size in bytes (VmRSS), or undefined once the process is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Whole-machine CPU counters from /proc/stat, for "were both cores saturated?". */
export function cpuTotals(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0); // idle + iowait
    const total = f.slice(0, 8).reduce((s, x) => s + x, 0); // user..steal; guest is inside user
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** Fraction (0..1) of all cores that were busy between two cpuTotals() readings. */
export function busyFraction(a: { busy: number; total: number }, b: { busy: number; total: number }): number {
  const total = b.total - a.total;
  return total > 0 ? (b.busy - a.busy) / total : NaN;
}

// Reading process groups' CPU and memory from /proc/PID/stat, for the limits monitor. Not
// pidusage: it keeps an open fd per sampled pid for a minute (a host held ~300 fds after 10 s of
// load); this holds at most one, briefly.
//
// Reads are synchronous, in slices of 32 files between event-loop turns: measured on the test
// machines, promise-based readFile costs ~0.4 ms of CPU per /proc/PID/stat against ~0.02 ms for
// openSync/readSync, and a slice blocks the loop for well under a millisecond. Processes of other
// sessions are remembered and skipped (agents are session leaders, and a process can only join a
// process group of its own session), with a full rescan every 2 s against pid reuse.
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';

const CLK_TCK = 100; // USER_HZ: 100 on every Linux architecture Node runs on
const FULL_RESCAN_MS = 2000;
const SLICE = 32;

/** The fields of /proc/PID/stat the monitor needs; CPU in ms, RSS in pages. */
export interface ProcUsage {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  selfMs: number;
  childMs: number;
  rssPages: number;
}

/** Fields are located after the LAST ')' because comm may contain spaces and parentheses. */
export function parseProcUsage(text: string): ProcUsage | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = text.slice(close + 2).split(' '); // f[N - 3] is field N of proc(5)
  if (f.length < 22) return undefined;
  const n = (i: number): number => Number(f[i]);
  const tick = 1000 / CLK_TCK;
  return {
    pid: Number(text.slice(0, text.indexOf(' '))),
    state: f[0]!,
    ppid: n(1),
    pgrp: n(2),
    session: n(3),
    selfMs: (n(11) + n(12)) * tick,
    childMs: (n(13) + n(14)) * tick,
    rssPages: n(21),
  };
}

const buf = Buffer.alloc(4096);
function readUsage(pid: number): ProcUsage | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(`/proc/${pid}/stat`, 'r');
    return parseProcUsage(buf.toString('latin1', 0, readSync(fd, buf, 0, buf.length, 0)));
  } catch {
    return undefined; // gone
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

let cachedPageSize: number | undefined;
/** The kernel's page size (4 KiB on x86, 16/64 KiB on some ARM), from the first mapping in smaps. */
export function pageSize(): number {
  if (cachedPageSize === undefined) {
    cachedPageSize = 4096;
    let fd: number | undefined;
    try {
      fd = openSync('/proc/self/smaps', 'r');
      const kb = /KernelPageSize:\s+(\d+) kB/.exec(buf.toString('latin1', 0, readSync(fd, buf, 0, buf.length, 0)))?.[1];
      if (kb) cachedPageSize = Number(kb) * 1024;
    } catch {
      // keep 4096
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
  return cachedPageSize;
}

const yieldLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Finds and reads the members of watched process groups. */
export class GroupScanner {
  private readonly foreign = new Set<number>();
  private lastFullScan = -Infinity;

  /** One pass over /proc: the members (zombies included) of every group in `pgids`, by pgid. */
  async discover(pgids: { has(pgid: number): boolean }, nowMs: number): Promise<Map<number, ProcUsage[]>> {
    const full = nowMs - this.lastFullScan >= FULL_RESCAN_MS;
    if (full) this.lastFullScan = nowMs;
    const out = new Map<number, ProcUsage[]>();
    let names: string[];
    try {
      names = readdirSync('/proc');
    } catch {
      return out;
    }
    const stillForeign: number[] = [];
    let reads = 0;
    for (const name of names) {
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(name);
      if (!full && this.foreign.has(pid)) {
        stillForeign.push(pid);
        continue;
      }
      if (++reads % SLICE === 0) await yieldLoop();
      const u = readUsage(pid);
      if (!u) continue;
      if (pgids.has(u.pgrp)) push(out, u.pgrp, u);
      // another session cannot join an agent's group; its own session's other groups may
      else if (!pgids.has(u.session)) stillForeign.push(pid);
    }
    this.foreign.clear();
    for (const p of stillForeign) this.foreign.add(p);
    return out;
  }

  /** Only the pids already known per group (and each leader): cheap enough for every period. */
  readMembers(groups: Array<[number, Iterable<number>]>): Map<number, ProcUsage[]> {
    const out = new Map<number, ProcUsage[]>();
    for (const [pgid, pids] of groups) {
      for (const pid of new Set([pgid, ...pids])) {
        const u = readUsage(pid);
        if (u && u.pgrp === pgid) push(out, pgid, u);
      }
    }
    return out;
  }
}

function push(m: Map<number, ProcUsage[]>, k: number, v: ProcUsage): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

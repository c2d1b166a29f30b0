// Linux /proc helpers for process groups. Async reads (the host's event loop never waits on a
// /proc scan) and no child processes (`ps` would cost a fork per question).
import { readdir, readFile } from 'node:fs/promises';

export interface ProcStat {
  pid: number;
  comm: string;
  /** R, S, D, Z (zombie), T (stopped), X (dead), ... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  nice: number;
  /** field 22, clock ticks since boot: with the pid, identifies a process across pid reuse. */
  startTime: string;
}

/**
 * Parse the text of /proc/PID/stat. `comm` (field 2) is in parentheses and may itself contain
 * spaces and ')' — e.g. a process named "a) b" — so the fields after it are located from the
 * LAST ')' in the line, never by splitting the whole line on spaces.
 */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const rest = text.slice(close + 2).split(' ');
  if (rest.length < 20 || !Number.isInteger(pid)) return undefined;
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0],
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    session: Number(rest[3]),
    nice: Number(rest[16]),
    startTime: rest[19],
  };
}

/** The parsed /proc/PID/stat, or undefined if the process is gone (or /proc is unreadable). */
export async function procStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

export async function procStartTime(pid: number): Promise<string | undefined> {
  return (await procStat(pid))?.startTime;
}

/**
 * The value of `name` in the environment PID was exec'd with (/proc/PID/environ), or undefined
 * (no such variable, the process is gone, or it is not ours to read).
 */
export async function procEnv(pid: number, name: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return undefined;
  }
  const prefix = `${name}=`;
  for (const kv of text.split('\0')) if (kv.startsWith(prefix)) return kv.slice(prefix.length);
  return undefined;
}

/**
 * True when `pid` still names the process that had `startTime`: a recorded pid whose process has
 * died may have been handed to an unrelated process, which must never be signalled.
 */
export async function isSameProcess(pid: number, startTime: string): Promise<boolean> {
  const now = await procStartTime(pid);
  return now !== undefined && now === startTime;
}

/**
 * Pids whose process group is `pgid`. With `live`, zombies are left out: they are already dead,
 * and where PID 1 does not reap orphans (some containers) they would otherwise linger forever.
 */
export async function groupPids(pgid: number, opts: { live?: boolean } = {}): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return [];
  }
  const stats = await Promise.all(
    names.filter((n) => n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57).map((n) => procStat(Number(n))),
  );
  const out: number[] = [];
  for (const s of stats) {
    if (!s || s.pgrp !== pgid) continue;
    if (opts.live && (s.state === 'Z' || s.state === 'X')) continue;
    out.push(s.pid);
  }
  return out;
}

// pgid 0 means "my own group" and -1 means "every process I may signal": a bug that passes
// either must not turn into killing the host or the user's session.
function validPgid(pgid: number): boolean {
  return Number.isInteger(pgid) && pgid > 1;
}

/** Send `signal` to every process of the group. False if the group is gone or not ours; never throws. */
export function killGroup(pgid: number, signal: NodeJS.Signals | number): boolean {
  if (!validPgid(pgid)) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: no such group; EPERM: not ours to signal
  }
}

/**
 * Whether any process (zombies included: the kernel still counts them) is in the group. One
 * syscall, so it is the cheap first check; `groupPids(pgid, { live: true })` is the exact one.
 */
export function groupAlive(pgid: number): boolean {
  if (!validPgid(pgid)) return false;
  if (rawKill) return rawKill(-pgid, 0) !== -ESRCH; // 0, or EPERM: it exists but is not ours
  try {
    quietErrors(() => process.kill(-pgid, 0));
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// The binding under process.kill(): it returns -errno instead of throwing. Asked once per task,
// right after the agent exited, the answer is nearly always ESRCH, and building that exception
// cost more than the syscall (npm run bench). process.kill stays the path where it is missing.
const rawKill = (process as unknown as { _kill?: (pid: number, sig: number) => number })._kill?.bind(process);
const ESRCH = 3; // the same number on every Linux architecture and on macOS

/**
 * Runs fn with Error.stackTraceLimit at 0: for calls whose error is expected and only its .code
 * read (ESRCH after an agent exited, EPIPE when it never read its stdin). Capturing and then
 * formatting the stack cost more than the syscall itself, once or twice per task (npm run bench).
 */
export function quietErrors<T>(fn: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Whether the group has a member that is not a zombie. Cheap when the group is already empty. */
export async function groupHasLiveMembers(pgid: number): Promise<boolean> {
  if (!groupAlive(pgid)) return false;
  return (await groupPids(pgid, { live: true })).length > 0;
}

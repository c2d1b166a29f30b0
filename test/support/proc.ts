// Processes in tests, read from /proc (no `ps`, no child process): is a pid alive, which
// processes carry a marker in their command line, which are in a process group or are a
// process's children. The one copy every test and the bench use.
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseStat, type ProcStat } from '../../host/agents/processTree';

let seq = 0;
/** A marker no other process on the machine has in its command line. */
export function uniqueMarker(label: string): string {
  return `agbtest-${label}-${process.pid}-${Date.now()}-${++seq}`;
}

/** The parsed /proc/PID/stat, or undefined once the process is gone. */
export function statOf(pid: number): ProcStat | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return undefined;
  }
}

/** The process state letter (R, S, T, Z, …), or undefined once the process is gone. */
export function stateOf(pid: number): string | undefined {
  return statOf(pid)?.state;
}

/** Exists and is not a zombie: an exited child its parent has not reaped yet is dead for a test. */
export function alive(pid: number): boolean {
  const s = stateOf(pid);
  return s !== undefined && s !== 'Z' && s !== 'X';
}

/** Every pid in /proc. */
export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** /proc/PID/cmdline with the NULs between arguments, or '' once gone (a zombie's is empty too). */
export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Pids of live processes (not this one) whose command line contains `marker`. Async, the reads in
 * parallel: a synchronous scan of every /proc/PID/cmdline holds this process's event loop for
 * tens of milliseconds on a loaded machine, and with it the timing of the test (the watchdog
 * kill test failed about one run in six with a synchronous scan and never with this one).
 */
export async function pidsWithMarker(marker: string): Promise<number[]> {
  const found = await Promise.all(
    allPids().map(async (p) => {
      try {
        return (await readFile(`/proc/${p}/cmdline`, 'utf8')).includes(marker) ? p : 0;
      } catch {
        return 0; // gone
      }
    }),
  );
  return found.filter((p) => p !== 0 && p !== process.pid);
}

/** Pids of the processes in group `pgid`; zombies too unless `live` (their CPU counters are final). */
export function groupMembers(pgid: number, opts: { live?: boolean } = {}): number[] {
  return allPids().filter((p) => {
    const s = statOf(p);
    return s?.pgrp === pgid && (!opts.live || (s.state !== 'Z' && s.state !== 'X'));
  });
}

/** Pids of the children of `ppid`. */
export function childrenOf(ppid: number): number[] {
  return allPids().filter((p) => statOf(p)?.ppid === ppid);
}

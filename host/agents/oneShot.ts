// Running one one-shot agent process: spawn in its own process group at lowered
// priority, feed the task on stdin, capture bounded output, and make sure that when the task ends
// — by exit, timeout or cancel — nothing of its process group is left running.
// See ARCHITECTURE.md: The life of a task, step 6.
import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { measureExec, tooLargeDetail } from './execSize';
import { OutputCapture } from './outputCapture';
import { groupAlive, groupHasLiveMembers, killGroup, quietErrors } from './processTree';

export interface OneShotOptions {
  argv: string[];
  cwd: string;
  /** the complete environment; the caller adds AGENTIC_TASK. */
  env: NodeJS.ProcessEnv;
  /** written then closed (the task JSON). An agent that never reads it is fine. */
  stdin?: string;
  /** niceness applied right after spawn (default 10); errors are ignored. */
  nice?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** SIGTERM → this grace → SIGKILL (default 2000). */
  killGraceMs?: number;
  /** after a memory_limit abort: the (shorter) grace to use instead, if any */
  memoryKillGraceMs?(): number | undefined;
  /** stdout + stderr captured here, bounded by maxLogBytes (default 1 MiB). */
  logFile?: string;
  maxLogBytes?: number;
  /** stdout kept in memory for parsing (default 16 MiB); beyond it → stdoutTruncated. */
  maxStdoutBytes?: number;
  onSpawn?(pid: number): void;
  onStderrLine?(line: string): void;
  /**
   * Called right before the group is signalled to end (timeout, abort, leftovers after the leader
   * exited), so a CPU throttler can SIGCONT it and let go first: a group SIGSTOPped again during
   * the grace period could not act on its SIGTERM.
   */
  onKill?(): void;
}

export interface OneShotResult {
  pid?: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** memory_limit: the signal was aborted with that reason (the limits monitor did it) */
  /** too_large: Linux refused the argv + environment (E2BIG), which is the task's, not the agent's */
  reason?: 'timeout' | 'cancelled' | 'memory_limit' | 'spawn_error' | 'too_large';
  error?: string;
  stdout: string;
  stdoutTruncated: boolean;
  /** last 20 non-empty lines of stderr */
  stderrTail: string[];
  /** the last stdout lines, redacted: what may be shown (stdout itself is for parsing only) */
  stdoutTail: string[];
  durationMs: number;
}

const DEFAULT_NICE = 10;
const DEFAULT_GRACE_MS = 2000;
const DEFAULT_MAX_LOG = 1024 * 1024;
const DEFAULT_MAX_STDOUT = 16 * 1024 * 1024;
// After the group is gone, the pipes can only be held by a process that left the group (setsid):
// read what is buffered for this long, then stop waiting for it.
const PIPE_DRAIN_MS = 200;
// After SIGKILL, a process in uninterruptible sleep (D state) can take a while; do not wait forever.
const AFTER_KILL_WAIT_MS = 5000;

/**
 * Kill a process group: SIGTERM (+SIGCONT, so a SIGSTOP-throttled group can act on it), wait up to
 * graceMs for it to empty, then SIGKILL. Resolves when the group is gone (zombies count as gone).
 */
export async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  if (graceMs <= 0) {
    // no grace (a memory kill far over the limit): a SIGTERM first would only give it more time
    if (!killGroup(pgid, 'SIGKILL')) return;
    killGroup(pgid, 'SIGCONT');
    await waitGroupGone(pgid, AFTER_KILL_WAIT_MS);
    return;
  }
  if (!killGroup(pgid, 'SIGTERM')) return;
  killGroup(pgid, 'SIGCONT');
  if (await waitGroupGone(pgid, graceMs)) return;
  killGroup(pgid, 'SIGKILL');
  await waitGroupGone(pgid, AFTER_KILL_WAIT_MS);
}

/**
 * Poll with backoff (5 ms doubling to 100 ms): kill(-pgid, 0) first, one syscall. Only when that
 * keeps answering "alive" (after ~15 ms) is /proc scanned (~10 ms of reads), because a group of
 * nothing but zombies also answers "alive", and orphaned zombies linger where PID 1 reaps late or
 * never (some containers and VMs: seen on this project's test machines).
 */
async function waitGroupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  let delay = 5;
  for (;;) {
    if (!groupAlive(pgid)) return true;
    if (delay >= 20 && !(await groupHasLiveMembers(pgid))) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await sleep(Math.min(delay, left));
    delay = Math.min(delay * 2, 100);
  }
}

/** Run one agent process to completion. Never rejects. */
export function runOneShot(opts: OneShotOptions): Promise<OneShotResult> {
  return new Promise((resolve) => run(opts, resolve));
}

function run(opts: OneShotOptions, resolve: (r: OneShotResult) => void): void {
  const t0 = performance.now();
  const base = (): OneShotResult => ({
    exitCode: null,
    signal: null,
    stdout: '',
    stdoutTruncated: false,
    stderrTail: [],
    stdoutTail: [],
    durationMs: performance.now() - t0,
  });
  const spawnError = (error: string): void => resolve({ ...base(), reason: 'spawn_error', error });

  if (opts.signal?.aborted) {
    resolve({ ...base(), reason: 'cancelled' });
    return;
  }
  const [command, ...args] = opts.argv;
  if (!command) {
    spawnError('empty command');
    return;
  }

  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env,
      detached: true, // setsid(): its own process group, pgid = pid, so the group can be killed whole
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'E2BIG')
      resolve({ ...base(), reason: 'too_large', error: tooLargeDetail(measureExec(opts.argv, opts.env)) });
    else spawnError(`spawn failed: ${(err as Error).message}`);
    return;
  }

  const pid = child.pid;
  if (pid === undefined) {
    // ENOENT, EACCES, ...: reported asynchronously by 'error'.
    child.once('error', (err: NodeJS.ErrnoException) => {
      void describeSpawnError(err, command, opts.cwd).then(spawnError);
    });
    return;
  }
  supervise(child, pid, opts, t0, resolve);
}

async function describeSpawnError(err: NodeJS.ErrnoException, command: string, cwd: string): Promise<string> {
  if (err.code === 'ENOENT') {
    // Node reports a missing cwd exactly like a missing command; tell them apart for the user.
    const cwdOk = await stat(cwd).then(
      (s) => s.isDirectory(),
      () => false,
    );
    return cwdOk ? `command not found: ${command}` : `working directory not found: ${cwd}`;
  }
  if (err.code === 'EACCES') return `permission denied: ${command}`;
  return `spawn failed: ${command}: ${err.message}`;
}

function supervise(
  child: ChildProcess,
  pid: number,
  opts: OneShotOptions,
  t0: number,
  resolve: (r: OneShotResult) => void,
): void {
  const grace = opts.killGraceMs ?? DEFAULT_GRACE_MS;
  const nice = opts.nice ?? DEFAULT_NICE;
  if (nice !== 0) {
    try {
      setPriority(pid, nice);
    } catch {
      // e.g. a negative nice without CAP_SYS_NICE: run at the inherited priority
    }
  }
  try {
    opts.onSpawn?.(pid);
  } catch {
    // the caller's bookkeeping must not leave a process unsupervised
  }

  const capture = new OutputCapture({
    logFile: opts.logFile,
    maxLogBytes: opts.maxLogBytes ?? DEFAULT_MAX_LOG,
    maxStdoutBytes: opts.maxStdoutBytes ?? DEFAULT_MAX_STDOUT,
    onStderrLine: opts.onStderrLine,
  });
  const stdin = child.stdin!;
  const stdout = child.stdout!;
  const stderr = child.stderr!;
  // EPIPE (the agent exited without reading its task) and read errors are not the task's outcome.
  stdin.on('error', () => {});
  stdout.on('error', () => {});
  stderr.on('error', () => {});
  stdout.on('data', capture.onStdout);
  stderr.on('data', capture.onStderr);
  // an agent that exits without reading its task makes this EPIPE (an 'error' ignored above)
  quietErrors(() => stdin.end(opts.stdin ?? ''));

  let exitCode: number | null = null;
  let exitSignal: NodeJS.Signals | null = null;
  let leaderExited = false;
  let reason: OneShotResult['reason'];
  let killing: Promise<void> | undefined;
  let closed = false;
  let groupDone = false;
  let done = false;
  let drainTimer: NodeJS.Timeout | undefined;

  const beforeKill = (): void => {
    try {
      opts.onKill?.();
    } catch {
      // the kill must happen whatever the caller's bookkeeping does
    }
  };
  const killTree = (why: 'timeout' | 'cancelled' | 'memory_limit'): void => {
    if (killing || leaderExited) return;
    reason = why;
    beforeKill();
    const memGrace = why === 'memory_limit' ? opts.memoryKillGraceMs?.() : undefined;
    killing = terminateGroup(pid, memGrace === undefined ? grace : Math.min(grace, memGrace));
  };
  const timer =
    opts.timeoutMs !== undefined && opts.timeoutMs > 0
      ? setTimeout(() => killTree('timeout'), opts.timeoutMs)
      : undefined;
  const onAbort = (): void => killTree(opts.signal?.reason === 'memory_limit' ? 'memory_limit' : 'cancelled');
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const finish = async (): Promise<void> => {
    if (done) return;
    done = true;
    clearTimeout(drainTimer);
    if (!closed) {
      // pipes still held by a process that escaped the group: stop reading, it gets EPIPE
      stdout.destroy();
      stderr.destroy();
    }
    await capture.finish();
    resolve({
      pid,
      exitCode,
      signal: exitSignal,
      ...(reason ? { reason } : {}),
      stdout: capture.stdout(),
      stdoutTruncated: capture.stdoutTruncated,
      stderrTail: capture.stderrTail(),
      stdoutTail: capture.stdoutTail(),
      durationMs: performance.now() - t0,
    });
  };

  // Like systemd's KillMode=control-group: the task's process group ends with the task. The
  // common case costs one kill(-pgid, 0); the /proc scan runs only when that says something is
  // left (it may be nothing but zombies), and only live leftovers start SIGTERM/grace/SIGKILL.
  // After a timeout/cancel, the terminateGroup already running covers the whole group.
  const reapGroup = async (): Promise<void> => {
    if (killing) await killing;
    else if (await groupHasLiveMembers(pid)) {
      beforeKill();
      await terminateGroup(pid, grace);
    }
  };

  child.on('exit', (code, sig) => {
    exitCode = code;
    exitSignal = sig;
    leaderExited = true;
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    void reapGroup().then(() => {
      groupDone = true;
      if (closed) void finish();
      else drainTimer = setTimeout(() => void finish(), PIPE_DRAIN_MS);
    });
  });
  child.on('close', () => {
    closed = true;
    if (groupDone) void finish();
  });
  // After a successful spawn 'error' only reports a failed child.kill(), which is not used here;
  // a listener is still needed so that it could never crash the host.
  child.on('error', () => {});
}

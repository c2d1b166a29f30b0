// The supervisor's record of one agent (its process, restart state, waiting tasks, log) and the
// pieces that only read it: the status view (AgentHealth), the one-line texts users see in
// status and task details, and the wait of a task for a ready process.
import type { AgentConfig } from '../../common/configSchema';
import type { AgentInfo, AgentState, FailureReason } from '../../common/model';
import type { RunRequest } from '../queue/scheduler';
import type { AgentLog } from './agentLog';
import { fmtMs, type AgentProcess, type ExitInfo } from './persistentAgent';
import { onAbort as whenAborted, type TaskTrace } from './persistentTask';
import type { Decision, RestartState } from './restartPolicy';

/** What the supervisor adds to an agent's status row. */
export interface AgentHealth {
  /** set when it overrides the scheduler's idle/running */
  state?: AgentState;
  /** persistent: the agent process (one for all its tasks) */
  pids?: number[];
  restarts: number;
  lastExit?: AgentInfo['lastExit'];
  stderrTail?: string[];
  reason?: string;
}

export type WaitFailure = { reason: FailureReason; detail: string };
interface Waiter {
  resolve(p: AgentProcess): void;
  reject(f: WaitFailure): void;
}

export interface Slot {
  id: string;
  cfg: AgentConfig;
  state: RestartState;
  log: AgentLog;
  proc?: AgentProcess;
  waiters: Set<Waiter>;
  inFlight: Map<string, TaskTrace>;
  /** the pending restart (backoff) or half-open */
  timer?: NodeJS.Timeout;
  restartAt?: number;
  /** replace the process once its tasks are done (config changed, restart-agent), or remove it */
  retire?: 'restart' | 'remove';
  lastExit?: ExitInfo;
  quarantine?: string;
  /** started once: kept alive from then on */
  started: boolean;
}

export const isWaitFailure = (x: unknown): x is WaitFailure =>
  !!x && typeof x === 'object' && 'reason' in x && 'detail' in x;

/**
 * Settings whose change needs a new process (the limits too: the monitor takes them at spawn);
 * the rest (timeouts, output, priority, restart policy) apply to the running one.
 */
export const processIdentity = (a: AgentConfig): string =>
  JSON.stringify([
    a.persistent,
    a.kind,
    a.builtin,
    a.command,
    a.env,
    a.nice,
    a.enabled,
    a.maxMemoryBytes,
    a.maxCpuPercent,
  ]);

export function slotHealth(s: Slot, now: number): AgentHealth {
  const e = s.lastExit;
  const h: AgentHealth = {
    restarts: s.state.restarts,
    ...(e ? { lastExit: { code: e.code, signal: e.signal, at: new Date(e.at).toISOString() } } : {}),
    ...(s.log.tail().length ? { stderrTail: s.log.tail() } : {}),
  };
  if (s.cfg.persistent) h.pids = s.proc?.pid !== undefined && s.proc.state !== 'exited' ? [s.proc.pid] : [];
  if (s.state.phase === 'quarantined') return { ...h, state: 'quarantined', reason: s.quarantine ?? 'quarantined' };
  if (!s.cfg.persistent) return h;
  if (s.state.phase === 'half-open') return { ...h, state: 'starting', reason: 'trial start after quarantine' };
  if (s.proc?.state === 'starting') return { ...h, state: 'starting', reason: 'waiting for agent/initialize' };
  if (s.timer && s.restartAt)
    return {
      ...h,
      state: 'starting',
      reason: `restarting in ${fmtMs(Math.max(0, s.restartAt - now))} after ${exitText(e)}`,
    };
  return h;
}

/** "exit code 3", "exit: killed by SIGKILL", "exit: no answer to agent/initialize within 2s (...)" */
export function exitText(e: ExitInfo | undefined): string {
  if (!e) return 'exit: none';
  if (e.why === 'exited') return e.signal ? `exit: killed by ${e.signal}` : `exit code ${e.code}`;
  return `exit: ${e.detail}`;
}

/** The reason shown in status, on the held tasks and in the logs; says how to get out of it. */
export function quarantineText(s: Slot, d: Extract<Decision, { kind: 'quarantine' }>): string {
  const line = s.lastExit?.why === 'spawn_error' ? undefined : s.log.lastLine();
  const head = d.trialFailed
    ? 'quarantined again: the trial after the cool-down failed'
    : `quarantined after ${d.failuresInWindow} ${s.cfg.persistent ? 'crashes' : 'failed starts'} in ${fmtMs(s.cfg.restart.windowMs)}`;
  const at = new Date(d.until).toTimeString().slice(0, 8);
  return `${head}; last ${exitText(s.lastExit)}${line ? `: ${line}` : ''}; half-opens at ${at} (cool-down ${fmtMs(d.cooldownMs)}) or now with: agentic-bg restart-agent ${s.id}`;
}

/** Waits until the supervisor hands this task a ready process, or fails it (quarantine, cancel, wait over). */
export function waitForReady(s: Slot, req: RunRequest, waitMs: number): Promise<AgentProcess> {
  return new Promise((resolve, reject) => {
    let off: (() => void) | undefined;
    const done = (): void => {
      s.waiters.delete(w);
      clearTimeout(timer);
      off?.();
    };
    const w: Waiter = { resolve: (p) => (done(), resolve(p)), reject: (f) => (done(), reject(f)) };
    const timer = setTimeout(
      () =>
        w.reject({
          reason: 'timeout',
          detail: `waited ${fmtMs(waitMs)} for the agent to start${s.lastExit ? `; last ${exitText(s.lastExit)}` : ''}`,
        }),
      waitMs,
    );
    s.waiters.add(w);
    off = whenAborted(req, () =>
      w.reject({ reason: 'cancelled', detail: 'cancelled while waiting for the agent to start' }),
    );
  });
}

export function rejectWaiters(s: Slot, f: WaitFailure): void {
  for (const w of [...s.waiters]) w.reject(f);
}

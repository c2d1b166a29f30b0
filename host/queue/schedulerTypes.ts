// The scheduler's contracts with the rest of the host: what a Runner is asked to do and answers,
// the events it emits, and what it is built from. scheduler.ts re-exports all of it.
import type { AgentConfig, ResolvedConfig } from '../../common/configSchema';
import type { FailureReason, Finding, TaskInfo } from '../../common/model';
import type { Logger } from '../logger';
import type { Journal } from './journal';
import type { TaskStore } from './taskStore';

export interface RunRequest {
  task: TaskInfo;
  agent: AgentConfig;
  attempt: number;
  timeoutMs: number;
  signal: AbortSignal; // aborted with reason 'cancelled' | 'shutdown'
  /**
   * The same abort as a plain callback, without an AbortSignal (which costs an EventTarget per
   * task): fn runs once, at once if already aborted. Returns the unsubscribe. The scheduler's
   * requests create `signal` only when a runner reads it.
   */
  onAbort?(fn: (reason: string) => void): () => void;
}

export interface RunOutcome {
  exitCode: number | null;
  signal: string | null;
  reason?: FailureReason;
  detail?: string;
  findings: Finding[];
  pid?: number;
  pidStartTime?: string;
  retryAfterMs?: number;
  peakRssBytes?: number;
  /** the runner classified the exit as done (the agent's exit_codes: tsc exits 2 with errors) */
  done?: boolean;
  /** findings the workspace baseline accepts (agents with `baseline: true`): not reported */
  baselined?: Finding[];
  /** SARIF results the tool suppressed (every suppression accepted): counted, not reported */
  suppressed?: number;
  /** the last lines of the agent's stdout, kept on the task */
  outputTail?: string[];
}

export interface Runner {
  /**
   * Runs one attempt. onStart(pid) must be called once the agent process is known, before it
   * does any work: the scheduler journals it, so a host that dies meanwhile can find and kill the
   * process group on its next start (hostCore reapLeftovers, by AGENTIC_WORKSPACE).
   */
  run(req: RunRequest, onStart: (pid: number) => void): Promise<RunOutcome>;
}

export interface SchedulerEvents {
  taskChanged(t: TaskInfo): void;
  tasksRemoved(ids: string[]): void;
  findings(t: TaskInfo, findings: Finding[], baselined?: Finding[]): void;
  /** something the host's health depends on changed (the journal failed or recovered) */
  statusChanged?(): void;
}

export interface SchedulerDeps {
  store: TaskStore;
  journal: Journal;
  runner: Runner;
  logger: Logger;
  config(): ResolvedConfig;
  events: SchedulerEvents;
  now?: () => number;
  random?: () => number;
  /**
   * Why an agent cannot start tasks now (quarantined, awaiting approval, untrusted workspace), or
   * undefined. With refuse: true a submit is refused outright; otherwise its tasks wait.
   */
  gate?(agent: AgentConfig): GateResult | undefined;
}

export interface GateResult {
  reason: string;
  refuse: boolean;
}

export class SubmitError extends Error {}

/** a submit refused because the queue journal cannot be written: nothing of it was accepted */
export class JournalError extends Error {
  constructor(file: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`not accepted: the task journal ${file} cannot be written (${why}); the host retries it in the background`, {
      cause,
    });
  }
}

// What an attempt's outcome means for its task: done, failed for good, cancelled,
// back to the queue (shutdown), or retried after a backoff. Pure: the scheduler applies it.
// See ARCHITECTURE.md: The life of a task, step 7.
import type { AgentConfig, ResolvedConfig } from '../../common/configSchema';
import type { TaskInfo, TaskState } from '../../common/model';
import { redactLines, redactSecrets } from '../builtin/secretsRedact';
import { nextRetryDelay } from './backoff';
import type { RunOutcome } from './schedulerTypes';

export interface Verdict {
  state: TaskState;
  patch: Partial<TaskInfo>;
  /** counts as a failure in the status rates */
  failed: boolean;
  /** state 'retrying': the backoff before the next attempt */
  retryDelayMs?: number;
}

export function classifyOutcome(
  t: TaskInfo,
  agent: AgentConfig,
  o: RunOutcome,
  abortReason: string | undefined,
  cfg: ResolvedConfig,
  random: () => number,
  finishedAt: string,
): Verdict {
  const base: Partial<TaskInfo> = {
    exitCode: o.exitCode,
    signal: o.signal,
    pid: undefined,
    finishedAt,
    reason: o.reason,
    // what an agent printed reaches the journal, clients and `tasks` through these: never a secret
    detail: o.detail === undefined ? undefined : redactSecrets(o.detail),
    outputTail: o.outputTail && redactLines(o.outputTail),
  };
  if (abortReason === 'shutdown') {
    const state = agent.effects === 'write' ? 'interrupted' : 'queued';
    base.reason = 'shutdown';
    base.detail = 'stopped with the host; runs again when the host starts';
    base.finishedAt = undefined;
    // stopping the host is not the task's failure: the attempt does not count toward maxAttempts
    base.attempts = Math.max(0, t.attempts - 1);
    return { state, patch: base, failed: false };
  }
  if (abortReason === 'cancelled' || o.reason === 'cancelled') {
    base.reason = 'cancelled';
    base.detail = 'cancelled';
    return { state: 'cancelled', patch: base, failed: false };
  }
  if (!o.reason && (o.done ?? (o.exitCode === 0 || o.exitCode === 1))) {
    base.findings = o.findings;
    base.findingCount = o.findings.length;
    base.baselinedCount = o.baselined?.length || undefined;
    base.suppressedCount = o.suppressed || undefined;
    const taskLevel = o.findings.filter((f) => f.file === '');
    base.taskFindings = taskLevel.length ? taskLevel.slice(0, 20) : undefined;
    return { state: 'succeeded', patch: base, failed: false };
  }
  if (o.exitCode === 2 && !o.reason) {
    base.reason = 'usage_error';
    base.detail = base.detail ?? 'exit code 2: configuration or usage error (not retried)';
    return { state: 'failed', patch: base, failed: true };
  }
  if (
    t.attempts < t.maxAttempts &&
    o.reason !== 'output_error' &&
    o.reason !== 'no_command' &&
    o.reason !== 'usage_error' &&
    o.reason !== 'too_large'
  ) {
    return {
      state: 'retrying',
      patch: base,
      failed: false,
      retryDelayMs: nextRetryDelay(t.attempts, cfg.retryBackoff, random, o.retryAfterMs),
    };
  }
  return { state: 'failed', patch: base, failed: true };
}

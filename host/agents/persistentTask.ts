// One task on a ready persistent agent process: `agent/runTask`; the task's timeout (one shared
// timer for all tasks, deadlines.ts) and cancel both become `$/cancelRequest`; an agent that does not answer within a
// grace period after that is hung and is killed (the supervisor restarts it with backoff). The
// answer, or how the process ended, becomes the RunOutcome the scheduler classifies.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ResponseError } from 'vscode-jsonrpc/node';
import type { RunOutcome, RunRequest } from '../queue/scheduler';
import { addContentHashes } from '../findings/contentHash';
import { parseFindingsJson } from '../findings/parseOutput';
import { AgentMethods, type RunTaskResult, type TaskPayload } from '../sdk/agentProtocol';
import { LineRedactor } from '../builtin/secretsRedact';
import { Deadlines } from './deadlines';
import { fmtMs, isExitInfo, type AgentProcess, type ExitInfo } from './persistentAgent';

const MAX_TRACE_BYTES = 256 * 1024;
const deadlines = new Deadlines();

/** What happened during one task, for its log (.agentic/logs/tasks/ID.log): progress, stderr. */
export class TaskTrace {
  private readonly lines: string[] = [];
  private readonly redactor = new LineRedactor();
  /** the first line, written only if the log is (formatting it for every task would be waste) */
  constructor(private readonly header?: () => string) {}

  private bytes = 0;
  private cut = false;
  /** lines from the agent (stderr, progress), as opposed to the host's own `-- ` notes */
  private fromAgent = 0;

  /** nothing but the host's notes: a clean run with no log worth a file (see runTaskOnProcess) */
  get quiet(): boolean {
    return this.fromAgent === 0;
  }

  add(raw: string): void {
    if (!raw.startsWith('-- ')) this.fromAgent++;
    if (this.cut) return;
    // progress messages and the host's notes (an agent's error text) may carry a secret too
    const line = this.redactor.line(raw);
    this.bytes += line.length + 1;
    if (this.bytes > MAX_TRACE_BYTES) {
      this.cut = true;
      this.lines.push('[... log truncated ...]');
      return;
    }
    this.lines.push(line);
  }

  text(): string {
    const lines = this.header ? [this.header(), ...this.lines] : this.lines;
    return lines.length ? lines.join('\n') + '\n' : '';
  }
}

export interface PersistentTaskOptions {
  proc: AgentProcess;
  req: RunRequest;
  payload: TaskPayload;
  cancelGraceMs: number;
  workspace: string;
  taskLogsDir: string;
  trace: TaskTrace;
}

type Answer = { ok: true; value: RunTaskResult | null } | { ok: false; error: unknown };

/** A promise chain rather than async functions: on the path of every task, each layer counts. */
export function runTaskOnProcess(o: PersistentTaskOptions): Promise<RunOutcome> {
  const { proc, req } = o;
  const id = req.task.id;
  let stopped: 'timeout' | 'cancelled' | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  const call = proc.request<RunTaskResult | null>(AgentMethods.runTask, o.payload);
  const stop = (why: 'timeout' | 'cancelled'): void => {
    if (stopped) return;
    stopped = why;
    call.cancel(); // $/cancelRequest for this request id
    o.trace.add(
      `-- ${why === 'timeout' ? `timed out after ${fmtMs(req.timeoutMs)}` : 'cancelled'}: $/cancelRequest sent`,
    );
    graceTimer = setTimeout(
      () => proc.kill('hung', `task ${id} did not stop within ${fmtMs(o.cancelGraceMs)} of its $/cancelRequest`),
      o.cancelGraceMs,
    );
  };
  // the timeout runs from here, when the agent receives the task (a start is bounded by start_timeout)
  const clearDeadline = deadlines.add(req.timeoutMs, () => stop('timeout'));
  const offAbort = onAbort(req, () => stop('cancelled'));

  const settled = (r: Answer): RunOutcome | Promise<RunOutcome> => {
    clearTimeout(graceTimer);
    clearDeadline();
    offAbort();
    const outcome = classify(r, stopped, o);
    return outcome instanceof Promise ? outcome.then((x) => logged(x, o)) : logged(outcome, o);
  };
  return call.promise.then(
    (value) => settled({ ok: true, value }),
    (error: unknown) => settled({ ok: false, error }),
  );
}

/**
 * A clean, silent run writes no log (as a silent one-shot agent: outputCapture.ts); the file per
 * task was the largest per-task cost of a persistent agent (npm run bench, persistent_vs_bullmq).
 * After an earlier attempt it is written anyway, so that attempt's log is replaced.
 */
function logged(outcome: RunOutcome, o: PersistentTaskOptions): RunOutcome | Promise<RunOutcome> {
  if (o.trace.quiet && !outcome.reason && (o.req.task.attemptLog?.length ?? 0) <= 1) return outcome;
  o.trace.add(
    `-- ${outcome.reason ? `${outcome.reason}: ${outcome.detail ?? ''}` : `done: exit code ${outcome.exitCode}, ${outcome.findings.length} finding(s)`}`,
  );
  return writeFile(join(o.taskLogsDir, `${o.req.task.id}.log`), o.trace.text(), { mode: 0o600 }).then(
    () => outcome,
    () => outcome,
  );
}

/** the outcome of an answer; a promise only when findings need their content hashes */
function classify(
  r: Answer,
  stopped: 'timeout' | 'cancelled' | undefined,
  o: PersistentTaskOptions,
): RunOutcome | Promise<RunOutcome> {
  const pid = o.proc.pid;
  const base: RunOutcome = { exitCode: null, signal: null, findings: [], ...(pid !== undefined ? { pid } : {}) };
  const killed =
    !r.ok && isExitInfo(r.error) && r.error.why === 'hung' ? '; it did not stop, so the agent was restarted' : '';
  if (stopped === 'timeout')
    return { ...base, reason: 'timeout', detail: `timed out after ${fmtMs(o.req.timeoutMs)}${killed}` };
  if (stopped === 'cancelled') return { ...base, reason: 'cancelled', detail: `cancelled${killed}` };
  if (!r.ok) return failed(r.error, base);
  const value = r.value ?? {};
  if (typeof value !== 'object' || Array.isArray(value))
    return { ...base, reason: 'output_error', detail: 'agent/runTask must answer an object { findings?, exitCode? }' };
  const raw = value.findings ?? [];
  if (!Array.isArray(raw))
    return { ...base, reason: 'output_error', detail: 'agent/runTask: findings must be an array' };
  if (raw.length === 0 && value.exitCode === undefined) {
    base.exitCode = 0; // the common answer, {}: nothing to check or fingerprint
    return base;
  }
  // the findings-json parser is the one place a finding from an agent is checked and built
  const parsed = parseFindingsJson(JSON.stringify(raw), {
    workspace: o.workspace,
    agent: o.req.agent.id,
    taskId: o.req.task.id,
  });
  if (parsed.error)
    return {
      ...base,
      reason: 'output_error',
      detail: `agent/runTask: ${parsed.error.replace(/^findings-json: /, '')}`,
    };
  const code = value.exitCode ?? (parsed.findings.length ? 1 : 0);
  if (code !== 0 && code !== 1 && code !== 2)
    return {
      ...base,
      reason: 'agent_error',
      detail: `agent/runTask answered exitCode ${JSON.stringify(code)} (expected 0, 1 or 2)`,
    };
  if (code === 2)
    return { ...base, exitCode: 2, detail: 'exit code 2: configuration or usage error (the agent said so)' };
  // fingerprints and the baseline (`baseline: true`) are applied after this, by TaskRunner
  return addContentHashes(parsed.findings, o.workspace).then(() => ({
    ...base,
    exitCode: code,
    findings: parsed.findings,
  }));
}

function failed(err: unknown, base: RunOutcome): RunOutcome {
  if (isExitInfo(err)) return { ...base, ...exitOutcome(err) };
  if (err instanceof ResponseError)
    return { ...base, reason: 'agent_error', detail: `the agent answered with an error: ${err.message}` };
  return { ...base, reason: 'agent_error', detail: String((err as Error)?.message ?? err) };
}

/** A task whose agent process ended under it: failed, retried by the scheduler's backoff. */
export function exitOutcome(e: ExitInfo): Pick<RunOutcome, 'reason' | 'detail' | 'exitCode' | 'signal'> {
  const k = { exitCode: e.code, signal: e.signal };
  switch (e.why) {
    case 'hung':
      return { ...k, reason: 'unresponsive', detail: `the agent was restarted: ${e.detail}` };
    case 'protocol':
      return { ...k, reason: 'agent_error', detail: `the agent was restarted: ${e.detail}` };
    case 'memory_limit':
      return { ...k, reason: 'memory_limit', detail: `the agent was restarted: ${e.detail}` };
    case 'stopped':
      return { ...k, reason: 'agent_unavailable', detail: 'the agent was stopped while running this task' };
    default:
      return {
        ...k,
        reason: e.signal ? 'signal' : 'exit_code',
        detail: `the agent process ended while running this task (${e.detail})`,
      };
  }
}

/** req.onAbort where the scheduler offers it (no AbortSignal made), else the signal */
export function onAbort(req: RunRequest, fn: () => void): () => void {
  if (req.onAbort) return req.onAbort(fn);
  if (req.signal.aborted) {
    fn();
    return () => undefined;
  }
  req.signal.addEventListener('abort', fn, { once: true });
  return () => req.signal.removeEventListener('abort', fn);
}

// Runs one attempt of a task as a one-shot agent process and turns what happened into a
// RunOutcome: exit code semantics (README: Agents), kill reasons, findings parsed from stdout.
import type { TaskPayload } from '../sdk/agentProtocol';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { AgentConfig } from '../../common/configSchema';
import type { Finding } from '../../common/model';
import { addFingerprints } from '../findings/baseline';
import type { FilterResult } from '../findings/baselines';
import { parseOutput } from '../findings/parseOutput';
import type { Logger } from '../logger';
import type { RunOutcome, RunRequest, Runner } from '../queue/scheduler';
import { classifyExit, parseRetryAfter, tailLines } from './exitStatus';
import { runOneShot, type OneShotResult } from './oneShot';
import { argvUses, promptVars } from './prompt';
import type { Monitor } from './monitor';
import type { Supervisor } from './supervisor';
import { TaskLimits } from './taskLimits';
import type { Sandboxing } from './sandboxing';
import { taskEnv, taskPayload } from './taskPayload';
import { substituteArgv } from './substitute';
import type { Watchdog } from './watchdog';

export interface TaskRunnerDeps {
  workspace: string;
  /** folder holding the bundled built-in agents (dist/) */
  builtinDir: string;
  taskLogsDir: string;
  logger: Logger;
  watchdog?: Watchdog;
  /** samples agent process groups and enforces max_memory / max_cpu_percent (monitor.ts) */
  monitor?: Monitor;
  /** node binary for built-ins: the host's own (VS Code's Electron Node or system node) */
  nodePath?: string;
  /** filters the findings of agents with `baseline: true` */
  baselines?: { filter(agent: string, findings: Finding[]): Promise<FilterResult> };
  /**
   * runs the tasks of persistent agents, and is told every attempt's outcome: only an agent that
   * cannot be spawned counts against a one-shot one (host/agents/supervisor.ts)
   */
  supervisor?: Pick<Supervisor, 'run' | 'observe'>;
  /** the OS sandbox of agents with a `sandbox:` block (host/agents/sandboxing.ts) */
  sandbox?: Sandboxing;
}

/** The JSON an agent receives on stdin and in AGENTIC_TASK: one shape for one-shot and persistent agents. */
export type AgentTaskPayload = TaskPayload;

export class TaskRunner implements Runner {
  // A plain copy of the host's environment, taken once: spreading process.env itself calls into
  // C++ for every variable, which was the largest part of this file's cost per task (npm run bench).
  private readonly hostEnv: NodeJS.ProcessEnv = { ...process.env };

  constructor(private readonly deps: TaskRunnerDeps) {}

  argvFor(agent: AgentConfig, files: string[], task: string, extra: Record<string, string> = {}): string[] {
    if (agent.kind === 'builtin')
      return [this.deps.nodePath ?? process.execPath, join(this.deps.builtinDir, `builtin-${agent.builtin}.js`)];
    return substituteArgv(agent.command ?? [], { ...extra, files, workspace: this.deps.workspace, task });
  }

  /**
   * The one entry point for an attempt, whatever the agent's kind (the scheduler's Runner): a
   * persistent agent's task goes to its process through the supervisor, a one-shot agent gets a
   * process of its own; either way the supervisor hears the outcome here, and only here.
   */
  async run(req: RunRequest, onStart: (pid: number, startTime?: string) => void): Promise<RunOutcome> {
    const o = await this.attempt(req, onStart);
    return this.deps.supervisor ? this.deps.supervisor.observe(req.agent, o) : o;
  }

  private async attempt(req: RunRequest, onStart: (pid: number, startTime?: string) => void): Promise<RunOutcome> {
    const { task, agent } = req;
    if (agent.kind === 'none')
      return {
        exitCode: null,
        signal: null,
        reason: 'no_command',
        detail: `agent "${agent.id}" has no command configured`,
        findings: [],
      };
    if (agent.persistent && this.deps.supervisor)
      return this.deps.supervisor.run(req, onStart).then((o) => this.holdTheLine(agent, o));
    const payload: AgentTaskPayload = taskPayload(task, req.attempt, this.deps.workspace);
    const json = JSON.stringify(payload);
    const ai = Boolean(agent.prompt || agent.persona);
    let extra: Record<string, string> = {};
    if (ai) {
      const p = await promptVars(agent, task, this.deps.workspace, this.deps.taskLogsDir);
      if ('error' in p) return { exitCode: null, signal: null, reason: 'usage_error', detail: p.error, findings: [] };
      extra = p.vars;
    }
    if (agent.output.kind === 'sarif' && agent.output.file) {
      // a tool that dies before writing must not leave the previous run's results to be read
      await rm(this.resolve(agent.output.file), { force: true }).catch(() => undefined);
    }
    const argv = this.argvFor(agent, task.files, task.task, extra);
    const logFile = join(this.deps.taskLogsDir, `${task.id}.log`);
    // the log is only created when the agent prints (outputCapture.ts): after an earlier attempt
    // of this task, remove that attempt's log so a silent one does not show it as its own
    if ((task.attemptLog?.length ?? 0) > 1) await rm(logFile, { force: true }).catch(() => undefined);
    const payloadFile = join(this.deps.taskLogsDir, `${task.id}.task.json`);
    const inEnv = taskEnv(payload, json, payloadFile);
    if (inEnv.byFile) await writeFile(payloadFile, json);
    const env: NodeJS.ProcessEnv = {
      ...this.hostEnv,
      ...agent.env,
      ...inEnv.env,
      AGENTIC_WORKSPACE: this.deps.workspace,
    };
    // built-ins run on the host's own Node, which is Electron inside VS Code
    if (agent.kind === 'builtin') env.ELECTRON_RUN_AS_NODE = '1';
    const sandbox = this.deps.sandbox ? await this.deps.sandbox.wrap(agent, argv, task.id) : undefined;
    if (sandbox && 'refused' in sandbox)
      return { exitCode: null, signal: null, reason: 'usage_error', detail: sandbox.refused, findings: [] };
    const watchdog = this.deps.watchdog;
    let pid: number | undefined;
    const limits = new TaskLimits(this.deps.monitor, agent, task.id, req.signal);
    const res = await runOneShot({
      argv: sandbox?.argv ?? argv,
      cwd: this.deps.workspace,
      env,
      // AI CLIs (claude -p, codex exec -) append piped stdin to the prompt: theirs stays empty;
      // the task JSON is still in AGENTIC_TASK
      stdin: ai ? '' : json,
      nice: agent.nice,
      timeoutMs: req.timeoutMs,
      signal: limits.signal,
      logFile,
      onKill: () => limits.release(),
      memoryKillGraceMs: () => limits.memoryKillGraceMs(),
      onSpawn: (p) => {
        pid = p;
        watchdog?.track(p);
        limits.spawned(p);
        onStart(p);
      },
    });
    if (pid !== undefined) watchdog?.untrack(pid);
    await sandbox?.close();
    if (inEnv.byFile) await rm(payloadFile, { force: true }).catch(() => undefined);
    const usage = limits.finish();
    const out: RunOutcome =
      res.reason === 'memory_limit'
        ? {
            exitCode: res.exitCode,
            signal: res.signal,
            findings: [],
            ...(res.pid ? { pid: res.pid } : {}),
            reason: 'memory_limit',
            detail: usage.memoryDetail,
          }
        : await this.outcome(res, agent, req);
    if (usage.peakRssBytes) out.peakRssBytes = usage.peakRssBytes;
    return out;
  }

  private async outcome(res: OneShotResult, agent: AgentConfig, req: RunRequest): Promise<RunOutcome> {
    const base: RunOutcome = {
      exitCode: res.exitCode,
      signal: res.signal,
      findings: [],
      ...(res.pid ? { pid: res.pid } : {}),
    };
    // why it failed: stderr's last line, else stdout's (tsc prints its usage errors there)
    // only the redacted tails are shown: stdout itself may hold what the agent should not have printed
    const shownStdout = res.stdoutTail.join('\n');
    const tail = res.stderrTail.at(-1) ?? tailLines(shownStdout, 1)[0];
    if (res.reason === 'spawn_error')
      return { ...base, reason: 'spawn_error', detail: res.error ?? 'could not start the agent' };
    if (res.reason === 'too_large') {
      // the task's own failure: the supervisor never counts it against the agent
      const n = req.task.files.length;
      const hint = argvUses(agent.command ?? [], 'files')
        ? `; \${files} in the command puts all ${n} files into arguments: split the task, or let the agent read them from the task JSON (stdin or AGENTIC_TASK_FILE)`
        : '';
      return { ...base, reason: 'too_large', detail: `${res.error ?? 'E2BIG'}${hint}` };
    }
    if (res.reason === 'timeout')
      return { ...base, reason: 'timeout', detail: `timed out after ${fmtSeconds(req.timeoutMs)}` };
    if (res.reason === 'cancelled') return { ...base, reason: 'cancelled', detail: 'cancelled' };
    if (res.signal) return { ...base, reason: 'signal', detail: `killed by ${res.signal}${tail ? `: ${tail}` : ''}` };
    if (agent.output.kind === 'text') {
      const out = tailLines(shownStdout, 10);
      if (out.length) base.outputTail = out;
    }
    const exit = classifyExit(res.exitCode ?? -1, agent.exitCodes);
    if (exit !== 'done') {
      const retryAfterMs = parseRetryAfter([...tailLines(shownStdout, 20, 1000), ...res.stderrTail]);
      const why = `exit code ${res.exitCode}${tail ? `: ${tail}` : ''}`;
      if (retryAfterMs !== undefined)
        return {
          ...base,
          reason: 'rate_limited',
          retryAfterMs,
          detail: `${why} (retry after ${fmtSeconds(retryAfterMs)})`,
        };
      if (exit === 'usage_error')
        return {
          ...base,
          reason: 'usage_error',
          detail: `exit code ${res.exitCode}: configuration or usage error${tail ? `: ${tail}` : ''}`,
        };
      return { ...base, reason: 'exit_code', detail: why };
    }
    base.done = true;
    let text = res.stdout;
    if (agent.output.kind === 'sarif' && agent.output.file) {
      const f = this.resolve(agent.output.file);
      try {
        text = await readFile(f, 'utf8');
      } catch (err) {
        return {
          ...base,
          reason: 'output_error',
          detail: `cannot read the SARIF file ${agent.output.file}: ${(err as Error).message}`,
        };
      }
    }
    if (res.stdoutTruncated && agent.output.kind !== 'text') {
      return {
        ...base,
        reason: 'output_error',
        detail: 'the agent printed more than the output limit; findings were not parsed',
      };
    }
    const parsed = parseOutput(agent.output, text, {
      workspace: this.deps.workspace,
      agent: agent.id,
      taskId: req.task.id,
    });
    if (parsed.error) return { ...base, reason: 'output_error', detail: parsed.error };
    await this.addContentHashes(parsed.findings);
    // what the reader repaired or left out, and a tool that says its run failed: on the task
    const notes = [parsed.executionFailed, ...(parsed.warnings ?? []).map((w) => `output: ${w}`)].filter(Boolean);
    return this.holdTheLine(agent, {
      ...base,
      findings: parsed.findings,
      ...(notes.length ? { detail: notes.join('; ') } : {}),
      ...(parsed.suppressed ? { suppressed: parsed.suppressed } : {}),
    });
  }

  /**
   * A successful run's findings get fingerprints where they have none (a persistent agent's
   * arrive without), and for an agent with `baseline: true` only the new ones stay reported.
   */
  private async holdTheLine(agent: AgentConfig, o: RunOutcome): Promise<RunOutcome> {
    if (o.reason || o.findings.length === 0) return o;
    if (o.findings.some((f) => !f.fingerprint)) await this.addContentHashes(o.findings);
    if (!agent.baseline || !this.deps.baselines) return o;
    const b = await this.deps.baselines.filter(agent.id, o.findings);
    return {
      ...o,
      findings: b.fresh,
      ...(b.baselined.length ? { baselined: b.baselined } : {}),
      ...(b.note ? { detail: o.detail ? `${o.detail}; ${b.note}` : b.note } : {}),
    };
  }

  private resolve(file: string): string {
    return isAbsolute(file) ? file : join(this.deps.workspace, file);
  }

  /**
   * The hash of each file a finding points into, so clients can tell stale findings, and a
   * fingerprint for each finding the tool gave none (baseline.ts), from the same read.
   */
  private async addContentHashes(findings: Finding[]): Promise<void> {
    const files = [...new Set(findings.map((f) => f.file))];
    const hashes = new Map<string, string>();
    const lines = new Map<string, string[]>();
    await Promise.all(
      files.map(async (f) => {
        try {
          const buf = await readFile(this.resolve(f));
          hashes.set(f, createHash('sha256').update(buf).digest('hex'));
          lines.set(f, buf.toString('utf8').split(/\r?\n/));
        } catch {
          // the file is gone: leave the finding without a hash
        }
      }),
    );
    for (const f of findings) {
      const h = hashes.get(f.file);
      if (h) f.contentHash = h;
    }
    addFingerprints(findings, (f) => lines.get(f));
  }
}

function fmtSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

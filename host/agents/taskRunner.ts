// Runs one attempt of a task as a one-shot agent process and turns what happened into a
// RunOutcome: exit code semantics (DESIGN §5), kill reasons, findings parsed from stdout.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { AgentConfig } from '../../src/shared/configSchema';
import type { Finding } from '../../src/shared/model';
import { parseOutput } from '../findings/parseOutput';
import type { Logger } from '../logger';
import type { RunOutcome, RunRequest, Runner } from '../queue/scheduler';
import { runOneShot, type OneShotResult } from './oneShot';
import { procStartTime } from './processTree';
import { substituteArgv } from './substitute';
import type { Watchdog } from './watchdog';

export interface TaskRunnerDeps {
  workspace: string;
  /** folder holding the bundled built-in agents (dist/) */
  builtinDir: string;
  taskLogsDir: string;
  logger: Logger;
  watchdog?: Watchdog;
  /** node binary for built-ins: the host's own (VS Code's Electron Node or system node) */
  nodePath?: string;
}

/** The JSON an agent receives on stdin and in AGENTIC_TASK. */
export interface AgentTaskPayload {
  id: string;
  agent: string;
  task: string;
  files: string[];
  params?: Record<string, unknown>;
  attempt: number;
  workspace: string;
}

export class TaskRunner implements Runner {
  constructor(private readonly deps: TaskRunnerDeps) {}

  argvFor(agent: AgentConfig, files: string[], task: string): string[] {
    if (agent.kind === 'builtin') return [this.deps.nodePath ?? process.execPath, join(this.deps.builtinDir, `builtin-${agent.builtin}.js`)];
    return substituteArgv(agent.command ?? [], { files, workspace: this.deps.workspace, task });
  }

  async run(req: RunRequest, onStart: (pid: number, startTime?: string) => void): Promise<RunOutcome> {
    const { task, agent } = req;
    if (agent.kind === 'none') return { exitCode: null, signal: null, reason: 'no_command', detail: `agent "${agent.id}" has no command configured`, findings: [] };
    const payload: AgentTaskPayload = {
      id: task.id,
      agent: task.agent,
      task: task.task,
      files: task.files,
      ...(task.params ? { params: task.params } : {}),
      attempt: req.attempt,
      workspace: this.deps.workspace,
    };
    const json = JSON.stringify(payload);
    const argv = this.argvFor(agent, task.files, task.task);
    const env: NodeJS.ProcessEnv = { ...process.env, ...agent.env, AGENTIC_TASK: json, AGENTIC_WORKSPACE: this.deps.workspace };
    // built-ins run on the host's own Node, which is Electron inside VS Code
    if (agent.kind === 'builtin') env.ELECTRON_RUN_AS_NODE = '1';
    const watchdog = this.deps.watchdog;
    let pid: number | undefined;
    const res = await runOneShot({
      argv,
      cwd: this.deps.workspace,
      env,
      stdin: json,
      nice: agent.nice,
      timeoutMs: req.timeoutMs,
      signal: req.signal,
      logFile: join(this.deps.taskLogsDir, `${task.id}.log`),
      onSpawn: (p) => {
        pid = p;
        watchdog?.track(p);
        procStartTime(p).then(
          (st) => onStart(p, st),
          () => onStart(p),
        );
      },
    });
    if (pid !== undefined) watchdog?.untrack(pid);
    return this.outcome(res, agent, req);
  }

  private async outcome(res: OneShotResult, agent: AgentConfig, req: RunRequest): Promise<RunOutcome> {
    const base = { exitCode: res.exitCode, signal: res.signal, findings: [] as Finding[], ...(res.pid ? { pid: res.pid } : {}) };
    const tail = res.stderrTail.at(-1);
    if (res.reason === 'spawn_error') return { ...base, reason: 'spawn_error', detail: res.error ?? 'could not start the agent' };
    if (res.reason === 'timeout') return { ...base, reason: 'timeout', detail: `timed out after ${fmtSeconds(req.timeoutMs)}` };
    if (res.reason === 'cancelled') return { ...base, reason: 'cancelled', detail: 'cancelled' };
    if (res.signal) return { ...base, reason: 'signal', detail: `killed by ${res.signal}${tail ? `: ${tail}` : ''}` };
    if (res.exitCode === 2) return { ...base, detail: `exit code 2: configuration or usage error${tail ? `: ${tail}` : ''}` };
    if (res.exitCode !== 0 && res.exitCode !== 1) return { ...base, reason: 'exit_code', detail: `exit code ${res.exitCode}${tail ? `: ${tail}` : ''}` };
    let text = res.stdout;
    if (agent.output.kind === 'sarif' && agent.output.file) {
      const f = isAbsolute(agent.output.file) ? agent.output.file : join(this.deps.workspace, agent.output.file);
      try {
        text = await readFile(f, 'utf8');
      } catch (err) {
        return { ...base, reason: 'output_error', detail: `cannot read the SARIF file ${agent.output.file}: ${(err as Error).message}` };
      }
    }
    if (res.stdoutTruncated && agent.output.kind !== 'text') {
      return { ...base, reason: 'output_error', detail: 'the agent printed more than the output limit; findings were not parsed' };
    }
    const parsed = parseOutput(agent.output, text, { workspace: this.deps.workspace, agent: agent.id, taskId: req.task.id });
    if (parsed.error) return { ...base, reason: 'output_error', detail: parsed.error };
    await this.addContentHashes(parsed.findings);
    return { ...base, findings: parsed.findings };
  }

  /** The hash of each file a finding points into, so clients can tell stale findings. */
  private async addContentHashes(findings: Finding[]): Promise<void> {
    const files = [...new Set(findings.map((f) => f.file))];
    const hashes = new Map<string, string>();
    await Promise.all(
      files.map(async (f) => {
        try {
          const buf = await readFile(isAbsolute(f) ? f : join(this.deps.workspace, f));
          hashes.set(f, createHash('sha256').update(buf).digest('hex'));
        } catch {
          // the file is gone: leave the finding without a hash
        }
      }),
    );
    for (const f of findings) {
      const h = hashes.get(f.file);
      if (h) f.contentHash = h;
    }
  }
}

function fmtSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

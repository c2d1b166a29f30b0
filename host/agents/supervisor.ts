// Keeps persistent agents alive, as pm2 and systemd keep services: started lazily on
// the first task and kept from then on; a crash, a hang or a failed start restarts it with backoff;
// too many failures in the window quarantine it (its tasks wait at a scheduler gate with the
// reason) until a cool-down half-opens it or `restart-agent` resets it. One-shot agents get the
// quarantine too, for the one failure that is the agent's and not the task's: it cannot be spawned.
// The policy itself is pure (restartPolicy.ts); this file owns the processes, timers and waiters.
// See README: Persistent agents and supervision.
import { join } from 'node:path';
import type { AgentConfig, ResolvedConfig } from '../../common/configSchema';
import type { Logger } from '../logger';
import type { GateResult, RunOutcome, RunRequest } from '../queue/scheduler';
import { AgentLog } from './agentLog';
import {
  exitText,
  isWaitFailure,
  processIdentity,
  quarantineText,
  rejectWaiters,
  slotHealth,
  waitForReady,
  type AgentHealth,
  type Slot,
} from './agentSlot';
import { memoryDetail } from './limits';
import type { Monitor } from './monitor';
import { AgentProcess, fmtMs, type ExitInfo } from './persistentAgent';
import { runTaskOnProcess, TaskTrace } from './persistentTask';
import * as policy from './restartPolicy';
import { substituteArgv } from './substitute';
import { taskPayload } from './taskPayload';
import type { Watchdog } from './watchdog';

export type { AgentHealth } from './agentSlot';

export interface SupervisorDeps {
  workspace: string;
  /** dist/: built-ins and the SDK (sdk.js, offered to agents as AGENTIC_SDK) */
  builtinDir: string;
  logsDir: string;
  taskLogsDir: string;
  logger: Logger;
  watchdog?: Watchdog;
  nodePath?: string;
  /** health changed, and a gate may have opened: tell clients, pump the scheduler */
  onChange(): void;
  /** SIGTERM → grace → SIGKILL, and how long a cancelled task may take to answer (default 2 s) */
  killGraceMs?: number;
  /** samples the agent processes and enforces max_memory / max_cpu_percent (monitor.ts) */
  monitor?: Pick<Monitor, 'watch' | 'unwatch' | 'release'>;
  /**
   * Trust and approval: a restart (after a crash or a config change) happens without a task, so
   * it must pass the same check a task would, or a changed command could run unapproved.
   */
  mayRun?(a: AgentConfig): boolean;
}

const unavailable = (detail: string): RunOutcome => ({
  exitCode: null,
  signal: null,
  findings: [],
  reason: 'agent_unavailable',
  detail,
});

export class Supervisor {
  private readonly slots = new Map<string, Slot>();
  private stopping = false;
  private changePending = false;
  private readonly grace: number;

  constructor(private readonly d: SupervisorDeps) {
    this.grace = d.killGraceMs ?? 2000;
  }

  /** The Runner entry for persistent agents (TaskRunner.run dispatches here). */
  async run(req: RunRequest, onStart: (pid: number) => void): Promise<RunOutcome> {
    const slot = this.slotFor(req.agent);
    // a task waits for its agent through restarts (until a quarantine); a start may take up to
    // start_timeout, so the wait is bounded by that plus the task's own timeout
    const waitMs = req.timeoutMs + slot.cfg.restart.startTimeoutMs;
    let proc: AgentProcess;
    try {
      proc = await this.ready(slot, req, waitMs);
    } catch (f) {
      return isWaitFailure(f) ? { exitCode: null, signal: null, findings: [], ...f } : unavailable(String(f));
    }
    const trace = new TaskTrace(
      () => `-- task ${req.task.id} (attempt ${req.attempt}) on persistent agent ${slot.id}, pid ${proc.pid}`,
    );
    slot.inFlight.set(req.task.id, trace);
    onStart(proc.pid!);
    this.changed();
    try {
      const payload = taskPayload(req.task, req.attempt, this.d.workspace);
      const o = await runTaskOnProcess({
        proc,
        req,
        payload,
        cancelGraceMs: this.grace,
        workspace: this.d.workspace,
        taskLogsDir: this.d.taskLogsDir,
        trace,
      });
      const line = slot.log.lastLine();
      if ((o.reason === 'exit_code' || o.reason === 'signal') && line) o.detail = `${o.detail}: ${line}`;
      return o;
    } finally {
      slot.inFlight.delete(req.task.id);
      this.maybeRetire(slot);
      this.changed();
    }
  }

  /** Holds the tasks of a quarantined agent (and of a persistent one on its trial start). */
  gate(a: AgentConfig): GateResult | undefined {
    const s = this.slots.get(a.id);
    if (!s) return undefined;
    if (s.state.phase === 'quarantined') return { reason: s.quarantine ?? 'quarantined', refuse: false };
    if (s.state.phase === 'half-open' && a.persistent)
      return { reason: `trial start after quarantine in progress (${s.quarantine ?? ''})`, refuse: false };
    return undefined;
  }

  health(id: string): AgentHealth | undefined {
    const s = this.slots.get(id);
    if (!s) return undefined;
    s.state = policy.settle(s.state, this.opts(s.cfg), Date.now());
    return slotHealth(s, Date.now());
  }

  /** A one-shot attempt ended: only "could not spawn it" counts against the agent. */
  observe(agent: AgentConfig, o: RunOutcome): RunOutcome {
    if (agent.persistent || agent.kind === 'none') return o;
    if (o.reason === 'spawn_error') {
      const s = this.slotFor(agent);
      s.lastExit = {
        why: 'spawn_error',
        code: null,
        signal: null,
        detail: o.detail ?? 'could not start the agent',
        wasReady: false,
        at: Date.now(),
      };
      this.failed(s);
    } else if (o.pid !== undefined) {
      const s = this.slots.get(agent.id);
      if (s && s.state.phase !== 'closed') s.state = policy.onReady(s.state, Date.now());
    }
    return o;
  }

  /** `agentic-bg restart-agent ID`: forget failures and quarantine; restart a running process. */
  reset(id: string): boolean {
    const s = this.slots.get(id);
    if (!s) return false;
    clearTimeout(s.timer);
    s.timer = undefined;
    s.state = policy.resetRestartState();
    s.quarantine = undefined;
    s.log.note('reset by restart-agent');
    if (s.cfg.persistent) {
      if (s.proc) s.retire = 'restart';
      else if (s.started) this.startProcess(s);
      this.maybeRetire(s);
    }
    this.changed();
    return true;
  }

  /** Hot reload: a changed agent gets a new process after its in-flight tasks; a removed one stops. */
  configChanged(cfg: ResolvedConfig): void {
    for (const s of [...this.slots.values()]) {
      const a = cfg.agents[s.id];
      if (a && a.enabled && a.kind !== 'none') this.slotFor(a);
      else this.remove(s);
    }
  }

  /** Host stop: `agent/shutdown` → grace → SIGTERM → grace → SIGKILL; resolves when all are gone. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const s of this.slots.values()) {
      clearTimeout(s.timer);
      rejectWaiters(s, { reason: 'agent_unavailable', detail: 'the host is stopping' });
    }
    await Promise.all([...this.slots.values()].map((s) => s.proc?.stop(graceMs)));
    await Promise.all([...this.slots.values()].map((s) => s.log.close()));
  }

  private opts(a: AgentConfig): policy.RestartPolicyOptions {
    return { maxRestarts: a.restart.maxRestarts, windowMs: a.restart.windowMs, cooldownMs: a.restart.cooldownMs };
  }

  private slotFor(a: AgentConfig): Slot {
    let s = this.slots.get(a.id);
    if (s?.cfg === a) return s; // the same config object: nothing changed (the common case)
    if (!s) {
      s = {
        id: a.id,
        cfg: a,
        state: policy.initialRestartState(),
        log: new AgentLog(a.persistent ? join(this.d.logsDir, 'agents', `${a.id}.log`) : undefined),
        waiters: new Set(),
        inFlight: new Map(),
        started: false,
      };
      this.slots.set(a.id, s);
    } else if (processIdentity(s.cfg) !== processIdentity(a)) {
      // the user changed what runs: old failures say nothing about the new command
      this.d.logger.info('agent settings changed: it restarts after its running tasks', { agent: a.id });
      s.log.note('configuration changed');
      clearTimeout(s.timer);
      s.timer = undefined;
      s.state = policy.resetRestartState();
      s.quarantine = undefined;
      s.cfg = a;
      if (s.proc)
        s.retire = 'restart'; // a one-shot agent now: the process just stops
      else if (a.persistent && s.started) this.startProcess(s);
      this.maybeRetire(s);
      this.changed();
    } else s.cfg = a;
    return s;
  }

  /** A ready process for one task, starting it if needed; waits through restarts with backoff. */
  private ready(s: Slot, req: RunRequest, waitMs: number): Promise<AgentProcess> {
    if (this.stopping) return Promise.reject({ reason: 'agent_unavailable', detail: 'the host is stopping' });
    if (s.proc?.state === 'ready' && !s.retire) return Promise.resolve(s.proc);
    if (s.state.phase === 'quarantined')
      return Promise.reject({ reason: 'agent_unavailable', detail: s.quarantine ?? 'quarantined' });
    s.started = true;
    if (!s.proc && !s.timer) this.startProcess(s);
    return waitForReady(s, req, waitMs);
  }

  private startProcess(s: Slot): void {
    if (this.stopping || s.proc || !s.cfg.persistent || !policy.mayStart(s.state) || s.retire === 'remove') return;
    if (this.d.mayRun && !this.d.mayRun(s.cfg)) return;
    clearTimeout(s.timer);
    s.timer = undefined;
    const a = s.cfg;
    const argv =
      a.kind === 'builtin'
        ? [this.d.nodePath ?? process.execPath, join(this.d.builtinDir, `builtin-${a.builtin}.js`)]
        : substituteArgv(a.command ?? [], { files: [], workspace: this.d.workspace, task: '' });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...a.env,
      AGENTIC_WORKSPACE: this.d.workspace,
      AGENTIC_AGENT: a.id,
      AGENTIC_SDK: join(this.d.builtinDir, 'sdk.js'),
    };
    if (a.kind === 'builtin') env.ELECTRON_RUN_AS_NODE = '1';
    const proc = new AgentProcess({
      id: a.id,
      argv,
      cwd: this.d.workspace,
      env,
      nice: a.nice,
      workspace: this.d.workspace,
      startTimeoutMs: a.restart.startTimeoutMs,
      killGraceMs: this.grace,
      logger: this.d.logger.child({ agent: a.id }),
      ...(this.d.watchdog ? { watchdog: this.d.watchdog } : {}),
      onStderrLine: (pid, line) => {
        const shown = s.log.stderr(pid, line); // redacted: the agent's log follows PEM blocks across lines
        for (const t of s.inFlight.values()) t.add(`[stderr] ${shown}`);
      },
      beforeKill: (pid) => this.d.monitor?.release(pid),
      onProgress: (p) =>
        s.inFlight
          .get(p.taskId)
          ?.add(`[progress]${p.fraction !== undefined ? ` ${Math.round(p.fraction * 100)}%` : ''} ${p.message ?? ''}`),
    });
    s.proc = proc;
    s.started = true;
    s.log.note(`starting: ${argv.join(' ')}`);
    const starting = proc.start();
    // spawned synchronously by start(): the process is under its limits from its first moment
    if (proc.pid !== undefined) this.watchLimits(s, proc, proc.pid);
    starting.then(
      (info) => {
        if (s.proc !== proc) return;
        s.state = policy.onReady(s.state, Date.now());
        this.d.logger.info('persistent agent ready', {
          agent: a.id,
          pid: proc.pid,
          name: info.name,
          version: info.version,
          heartbeatMs: info.capabilities?.heartbeatMs,
        });
        s.log.note(`ready: pid ${proc.pid}, ${info.name}${info.version ? ` ${info.version}` : ''}`);
        if (s.retire) this.maybeRetire(s);
        else for (const w of [...s.waiters]) w.resolve(proc);
        this.changed();
      },
      () => undefined, // reported by `exited`
    );
    void proc.exited.then((e) => this.onExit(s, proc, e));
    this.changed();
  }

  private watchLimits(s: Slot, proc: AgentProcess, pid: number): void {
    const a = s.cfg;
    this.d.monitor?.watch(pid, {
      agent: a.id,
      taskId: `agent process ${pid}`,
      ...(a.maxMemoryBytes !== undefined ? { maxMemoryBytes: a.maxMemoryBytes } : {}),
      ...(a.maxCpuPercent !== undefined ? { maxCpuPercent: a.maxCpuPercent } : {}),
      // over max_memory: a failure like a crash (restart with backoff); its tasks fail with memory_limit
      onMemoryExceeded: (peak, graceMs) =>
        proc.kill('memory_limit', memoryDetail(a.maxMemoryBytes ?? 0, peak), graceMs),
    });
  }

  private onExit(s: Slot, proc: AgentProcess, e: ExitInfo): void {
    if (proc.pid !== undefined) this.d.monitor?.unwatch(proc.pid);
    if (s.proc === proc) s.proc = undefined;
    s.lastExit = e;
    s.log.note(e.why === 'exited' ? `exited: ${e.detail}` : `exited (${e.why}): ${e.detail}`);
    if (e.why === 'stopped' || this.stopping || s.retire === 'remove') {
      // our own stop: not a failure. A replacement starts at once with the current settings.
      if (s.retire === 'remove') this.drop(s);
      else if (!this.stopping) {
        s.retire = undefined;
        this.startProcess(s);
      }
      this.changed();
      return;
    }
    s.retire = undefined; // a crash replaces the process anyway
    this.failed(s);
  }

  /** Counts a failure: restart after the backoff, or quarantine (and half-open after the cool-down). */
  private failed(s: Slot): void {
    const now = Date.now();
    const { state, decision } = policy.onFailure(s.state, this.opts(s.cfg), now);
    s.state = state;
    const what = exitText(s.lastExit);
    if (decision.kind === 'restart') {
      if (s.cfg.persistent) {
        this.d.logger.warn(`persistent agent failed (${what}); restarting in ${fmtMs(decision.delayMs)}`, {
          agent: s.id,
          restarts: state.restarts,
        });
        s.restartAt = now + decision.delayMs;
        s.timer = setTimeout(() => {
          s.timer = undefined;
          this.startProcess(s);
        }, decision.delayMs);
        s.timer.unref();
      }
    } else {
      s.quarantine = quarantineText(s, decision);
      this.d.logger.error(`agent ${s.id} ${s.quarantine}`, { agent: s.id });
      s.log.note(s.quarantine);
      rejectWaiters(s, { reason: 'agent_unavailable', detail: s.quarantine });
      s.timer = setTimeout(() => this.halfOpen(s), decision.cooldownMs);
      s.timer.unref();
    }
    this.changed();
  }

  private halfOpen(s: Slot): void {
    s.timer = undefined;
    const left = (s.state.until ?? 0) - Date.now();
    if (s.state.phase === 'quarantined' && left > 0) {
      // timers may fire a millisecond early by Date.now(): wait out the rest, never give up
      s.timer = setTimeout(() => this.halfOpen(s), left + 1);
      s.timer.unref();
      return;
    }
    s.state = policy.halfOpen(s.state, Date.now());
    this.d.logger.info(`agent ${s.id}: cool-down over, trying again`, { agent: s.id });
    s.log.note('cool-down over: half-open');
    if (s.cfg.persistent) this.startProcess(s);
    this.changed();
  }

  /** Carries out a pending retire once the old process has no task left. */
  private maybeRetire(s: Slot): void {
    if (!s.retire) return;
    const p = s.proc;
    if (!p) {
      if (s.retire === 'remove') this.drop(s);
      else {
        s.retire = undefined;
        if (s.started) this.startProcess(s);
      }
      return;
    }
    if (p.state === 'stopping' || p.state === 'exited') return;
    if (p.state === 'starting' || s.inFlight.size === 0) void p.stop(this.grace);
  }

  private remove(s: Slot): void {
    clearTimeout(s.timer);
    s.timer = undefined;
    s.retire = 'remove';
    rejectWaiters(s, {
      reason: 'agent_unavailable',
      detail: `agent ${s.id} was removed or disabled in agentic_config.yaml`,
    });
    this.maybeRetire(s);
  }

  private drop(s: Slot): void {
    if (this.slots.get(s.id) === s) this.slots.delete(s.id);
    void s.log.close();
  }

  /** Coalesced and deferred: callers may be inside the scheduler's pump. */
  private changed(): void {
    if (this.changePending) return;
    this.changePending = true;
    setImmediate(() => {
      this.changePending = false;
      this.d.onChange();
    });
  }
}

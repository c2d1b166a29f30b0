// The host's parts wired together, without sockets: config (load, hot reload), journal replay,
// scheduler, findings and the status model. main.ts adds the process concerns (lock, socket,
// signals); server.ts binds this to the protocol. Tests drive it directly.
import { mkdir, readFile } from 'node:fs/promises';
import type { AgentConfig, ResolvedConfig } from '../src/shared/configSchema';
import { resolveConfig } from '../src/shared/configSchema';
import type { AgentInfo, ConfigIssue, ConfigState, Finding, HostStatus, TaskInfo } from '../src/shared/model';
import { PROTOCOL_VERSION } from '../src/shared/protocol';
import type { FileFindings } from './findings/findingsStore';
import { FindingsStore } from './findings/findingsStore';
import { diffConfig } from './config/diff';
import { loadConfigFile } from './config/load';
import { watchConfig } from './config/watch';
import type { HostPaths } from './daemon/paths';
import type { HostLog } from './log';
import type { Logger } from './logger';
import { TaskRunner } from './agents/taskRunner';
import { Watchdog } from './agents/watchdog';
import { isSameProcess, killGroup } from './agents/processTree';
import { Journal } from './queue/journal';
import { Scheduler, type GateResult } from './queue/scheduler';
import { TaskStore } from './queue/taskStore';
import { agentInfos } from './agentStatus';

export const HOST_VERSION = '0.1.0';

export interface HostCoreOptions {
  paths: HostPaths;
  log: HostLog;
  builtinDir: string;
  launchedBy: HostStatus['launchedBy'];
  modeOverride?: 'production' | 'development';
  socket: string;
  /** false in tests that do not need the kill -9 safety net */
  watchdog?: boolean;
}

export interface HostEvents {
  taskChanged(t: TaskInfo): void;
  tasksRemoved(ids: string[]): void;
  findings(agent: string, taskId: string, files: FileFindings[]): void;
  statusChanged(): void;
}

export class HostCore {
  readonly logger: Logger;
  readonly findings = new FindingsStore();
  readonly startedAt = new Date();
  config!: ResolvedConfig;
  configState!: ConfigState;
  journal!: Journal;
  scheduler!: Scheduler;
  clients = 0;
  private watchdog: Watchdog | undefined;
  private unwatch: (() => void) | undefined;
  private recoveredFrom: string | undefined;
  private listeners: Partial<HostEvents>[] = [];
  private readonly gates: Array<(a: AgentConfig) => GateResult | undefined> = [];

  constructor(readonly opts: HostCoreOptions) {
    this.logger = opts.log.logger();
  }

  on(l: Partial<HostEvents>): () => void {
    this.listeners.push(l);
    return () => (this.listeners = this.listeners.filter((x) => x !== l));
  }
  private emit<K extends keyof HostEvents>(k: K, ...args: Parameters<HostEvents[K]>): void {
    for (const l of this.listeners) (l[k] as ((...a: unknown[]) => void) | undefined)?.(...args);
  }

  async start(): Promise<void> {
    const { paths } = this.opts;
    await mkdir(paths.taskLogsDir, { recursive: true });
    // watch before the first read, so an edit saved during start-up is not missed
    let changedDuringStart = false;
    const watcher = watchConfig(paths.config, () => (this.scheduler ? void this.reloadConfig('watch') : (changedDuringStart = true)), { logger: this.logger });
    this.unwatch = watcher.close;
    await watcher.ready;
    await this.loadConfig(true);
    const { journal, replay } = await Journal.open(paths.journal, { logger: this.logger });
    this.journal = journal;
    if (replay.corrupt) {
      this.recoveredFrom = replay.corrupt.movedTo;
      this.logger.error('the task journal was corrupt; it was moved aside and its valid records recovered', { ...replay.corrupt });
    }
    if (replay.tornTail) this.logger.warn('ignored a torn last line in the task journal (the host died mid-write)');
    if (this.opts.watchdog !== false) this.watchdog = Watchdog.start(this.logger);
    const runner = new TaskRunner({
      workspace: paths.workspace,
      builtinDir: this.opts.builtinDir,
      taskLogsDir: paths.taskLogsDir,
      logger: this.logger,
      ...(this.watchdog ? { watchdog: this.watchdog } : {}),
    });
    this.scheduler = new Scheduler({
      store: new TaskStore(this.config.historyLimit),
      journal,
      runner,
      logger: this.logger,
      config: () => this.config,
      gate: (a) => this.gate(a),
      events: {
        taskChanged: (t) => this.emit('taskChanged', t),
        tasksRemoved: (ids) => this.emit('tasksRemoved', ids),
        findings: (t, f) => this.applyFindings(t, f),
      },
    });
    await this.reapLeftovers(replay.tasks);
    // rebuild the current findings from the retained history, oldest run first
    const done = replay.tasks.filter((t) => t.state === 'succeeded' && t.findings).sort((a, b) => ((a.finishedAt ?? '') < (b.finishedAt ?? '') ? -1 : 1));
    for (const t of done) this.findings.apply(t, t.findings!);
    const { requeued, interrupted } = this.scheduler.restore(replay.tasks);
    if (requeued.length) this.logger.warn(`re-queued ${requeued.length} task(s) that were running when the host stopped`, { ids: requeued.map((t) => t.id) });
    if (interrupted.length) this.logger.warn(`parked ${interrupted.length} write task(s) as interrupted`, { ids: interrupted.map((t) => t.id) });
    if (changedDuringStart) await this.reloadConfig('watch');
    this.scheduler.pump();
    this.logger.info('host started', { pid: process.pid, workspace: paths.workspace, mode: this.mode, tasks: replay.tasks.length });
  }

  /**
   * Adds a reason an agent may be held (quarantine, approval, trust). Call `scheduler.pump()`
   * when a gate opens so waiting tasks start.
   */
  addGate(fn: (a: AgentConfig) => GateResult | undefined): void {
    this.gates.push(fn);
  }

  /** the first gate that holds this agent, if any */
  gate(a: AgentConfig): GateResult | undefined {
    for (const g of this.gates) {
      const r = g(a);
      if (r) return r;
    }
    return undefined;
  }

  get mode(): 'production' | 'development' {
    return this.opts.modeOverride ?? this.config.mode;
  }

  /** A killed host's agents: the watchdog normally got them; this catches what it could not. */
  private async reapLeftovers(tasks: TaskInfo[]): Promise<void> {
    for (const t of tasks) {
      if (t.state !== 'running') continue;
      const a = t.attemptLog?.at(-1);
      if (!a?.pid || !a.pidStartTime) continue;
      if (await isSameProcess(a.pid, a.pidStartTime)) {
        this.logger.warn('killing a leftover agent process group from before the restart', { taskId: t.id, pid: a.pid });
        killGroup(a.pid, 'SIGKILL');
      }
    }
  }

  private async loadConfig(initial: boolean): Promise<{ applied: boolean; issues: ConfigIssue[]; changedAgents: string[] }> {
    const file = this.opts.paths.config;
    const res = await loadConfigFile(file);
    const at = new Date().toISOString();
    if (!res.ok) {
      const kept = !initial;
      if (initial) this.config = resolveConfig({ background: { agents: {} } });
      this.configState = { file, exists: res.exists, valid: false, usingDefault: false, issues: res.issues, loadedAt: at, keptPrevious: kept };
      this.logger.error(`${file} is invalid${kept ? '; the previous configuration stays in force' : ''}`, { issues: res.issues.map((i) => `${i.line ?? '?'}:${i.column ?? '?'} ${i.message}`) });
      this.emit('statusChanged');
      return { applied: false, issues: res.issues, changedAgents: [] };
    }
    const prev = initial ? undefined : this.config;
    this.config = res.config;
    this.configState = { file, exists: res.exists, valid: true, usingDefault: !res.exists, issues: res.issues, loadedAt: at };
    this.opts.log.setLevel(this.mode === 'development' ? 'debug' : res.config.logLevel);
    let changedAgents: string[] = [];
    if (prev) {
      const d = diffConfig(prev, res.config);
      changedAgents = [...d.addedAgents, ...d.changedAgents, ...d.removedAgents];
      this.logger.info('configuration reloaded', { ...d });
      const dropped = this.scheduler.store.setHistoryLimit(res.config.historyLimit);
      if (dropped.length) this.emit('tasksRemoved', dropped);
      this.scheduler.pump();
    }
    this.emit('statusChanged');
    return { applied: true, issues: res.issues, changedAgents };
  }

  reloadConfig(why: 'watch' | 'request' | 'signal'): Promise<{ applied: boolean; issues: ConfigIssue[]; changedAgents: string[] }> {
    this.logger.debug('reloading configuration', { why });
    return this.loadConfig(false);
  }

  private applyFindings(t: TaskInfo, f: Finding[]): void {
    const changes = this.findings.apply(t, f);
    if (changes.length) this.emit('findings', t.agent, t.id, changes);
  }

  agents(): AgentInfo[] {
    return agentInfos(this.config, this.scheduler, (a) => this.gate(a));
  }

  status(): HostStatus {
    const counts = this.scheduler.store.countsByState();
    const rates = this.scheduler.rates();
    const reasons: string[] = [];
    if (!this.configState.valid) reasons.push(this.configState.keptPrevious ? 'configuration invalid: the previous one stays in force' : 'configuration invalid');
    if (this.recoveredFrom) reasons.push(`task journal was corrupt; original kept at ${this.recoveredFrom}`);
    if (rates.tasksPerMin >= 5 && rates.failureRate > 0.5) reasons.push(`${Math.round(rates.failureRate * 100)}% of tasks failed in the last minute`);
    const agents = this.agents();
    for (const a of agents) if (a.state === 'quarantined') reasons.push(`agent ${a.id} is quarantined`);
    const health = !this.configState.valid && !this.configState.keptPrevious ? 'error' : reasons.length ? 'degraded' : 'ok';
    return {
      version: HOST_VERSION,
      protocolVersion: PROTOCOL_VERSION,
      pid: process.pid,
      socket: this.opts.socket,
      workspace: this.opts.paths.workspace,
      startedAt: this.startedAt.toISOString(),
      uptimeMs: Date.now() - this.startedAt.getTime(),
      mode: this.mode,
      enabled: this.config.enabled,
      health,
      healthReasons: reasons,
      launchedBy: this.opts.launchedBy,
      clients: this.clients,
      queue: counts,
      rates,
      agents,
      config: this.configState,
      journal: { file: this.opts.paths.journal, bytes: this.journal.bytes, ...(this.recoveredFrom ? { recoveredFrom: this.recoveredFrom } : {}) },
    };
  }

  async taskLog(id: string, tailBytes = 64 * 1024): Promise<{ text: string; truncated: boolean }> {
    const buf = await readFile(`${this.opts.paths.taskLogsDir}/${id}.log`).catch(() => Buffer.alloc(0));
    const truncated = buf.length > tailBytes;
    return { text: buf.subarray(Math.max(0, buf.length - tailBytes)).toString('utf8'), truncated };
  }

  /** Graceful stop (DESIGN §7): drain until the deadline, kill the rest, flush the journal. */
  async stop(drainTimeoutMs: number): Promise<void> {
    this.logger.info('stopping', { drainTimeoutMs, running: this.scheduler.runningCount });
    this.unwatch?.();
    await this.scheduler.drain(Date.now() + drainTimeoutMs);
    await this.journal.close();
    await this.watchdog?.close();
    this.logger.info('stopped');
  }
}

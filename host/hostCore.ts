// The host's parts wired together, without sockets: config (load, hot reload), journal replay,
// scheduler, findings and the status model. main.ts adds the process concerns (lock, socket,
// signals); server.ts binds this to the protocol. Tests drive it directly.
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentConfig, ResolvedConfig } from '../common/configSchema';
import type { AgentInfo, ConfigIssue, ConfigState, Finding, HostStatus, TaskInfo } from '../common/model';
import { PROTOCOL_VERSION, type SubmitBatchRequest, type SubmitItem } from '../common/protocol';
import { checkSubmit } from './submitCheck';
import type { FileFindings } from './findings/findingsStore';
import { FindingsStore } from './findings/findingsStore';
import { Baselines, type RecordResult } from './findings/baselines';
import { diffConfig } from './config/diff';
import { loadConfigCached, loadValidator, type ConfigCache } from './config/cache';
import { watchConfig } from './config/watch';
import { runtimeCandidates, type HostPaths } from '../common/node/paths';
import type { HostLog } from './log';
import type { Logger } from './logger';
import { TaskRunner } from './agents/taskRunner';
import { Sandboxing } from './agents/sandboxing';
import { Supervisor } from './agents/supervisor';
import { Watchdog } from './agents/watchdog';
import { createCgroupTier } from './agents/cgroup';
import { Monitor } from './agents/monitor';
import { groupPids, killGroup, procEnv } from './agents/processTree';
import { Journal } from './queue/journal';
import { Scheduler, type GateResult } from './queue/scheduler';
import { TaskStore } from './queue/taskStore';
import { agentInfos, withHealth, withLimits } from './agentStatus';
import { Approvals } from './approval';
import { SaveTriggers } from './triggers/saveTriggers';

/** package.json's version, put in by esbuild.config.mjs (`define`); sources run through tsx have none */
declare const __AGENTIC_VERSION__: string | undefined;
export const HOST_VERSION = typeof __AGENTIC_VERSION__ === 'string' ? __AGENTIC_VERSION__ : 'unbundled';
/** how long persistent agents get to exit after agent/shutdown before SIGTERM → SIGKILL */
const PERSISTENT_STOP_GRACE_MS = 3000;

export interface HostCoreOptions {
  paths: HostPaths;
  log: HostLog;
  builtinDir: string;
  launchedBy: HostStatus['launchedBy'];
  modeOverride?: 'production' | 'development';
  socket: string;
  /** false in tests that do not need the kill -9 safety net */
  watchdog?: boolean;
  /** the watchdog's shell (tests: one that cannot be spawned, to drive a missing watchdog) */
  watchdogShell?: () => string;
  /** untrusted workspace (--restricted): `command` agents are refused, built-ins run */
  restricted?: boolean;
  /** --require-approval: `command` agents wait for agents/approve at their current hash */
  requireApproval?: boolean;
  /** validated configs kept by content (config/cache.ts): a start on a known config skips zod and yaml */
  configCache?: ConfigCache;
  /** --watch: watch the workspace for saves whatever background.watch says */
  watch?: boolean;
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
  /** .agentic/baseline.json and the findings it hides (created in start(): it needs the paths) */
  baselines!: Baselines;
  readonly startedAt = new Date();
  config!: ResolvedConfig;
  configState!: ConfigState;
  journal!: Journal;
  scheduler!: Scheduler;
  clients = 0;
  private watchdog: Watchdog | undefined;
  /** the OS sandbox, probed once at start (host/agents/sandboxing.ts) */
  private sandbox!: Sandboxing;
  /** samples running agents and enforces their limits; created in start() */
  monitor: Monitor | undefined;
  /** persistent agents' processes, restarts and quarantine (one-shot agents' too); created in start() */
  supervisor: Supervisor | undefined;
  /** what a save means: triggers, debounce, batches, the workspace watcher; created in start() */
  saves: SaveTriggers | undefined;
  private unwatch: (() => void) | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private recoveredFrom: string | undefined;
  private listeners: Partial<HostEvents>[] = [];
  private readonly gates: Array<(a: AgentConfig) => GateResult | undefined> = [];

  readonly approvals: Approvals;

  constructor(readonly opts: HostCoreOptions) {
    this.logger = opts.log.logger();
    this.approvals = new Approvals(opts.paths.workspace, {
      restricted: !!opts.restricted,
      requireApproval: !!opts.requireApproval,
    });
    this.addGate((a) => this.approvals.gate(a));
  }

  /** agents/approve: opens the agent's gate when the hash is current; waiting tasks start. */
  approve(id: string, hash: string): { approved: boolean; hash?: string } | undefined {
    const a = this.config.agents[id];
    if (!a) return undefined;
    if (a.kind !== 'command') return { approved: true };
    const approved = this.approvals.approve(a, hash);
    if (approved) {
      this.logger.info('agent approved', { agent: id });
      this.scheduler.pump();
      this.emit('statusChanged');
    }
    return { approved, hash: this.approvals.hash(a) };
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
    await mkdir(paths.taskLogsDir, { recursive: true, mode: 0o700 });
    // directories an older host left 0755: 0700 closes them, and every file already in them
    await Promise.all(
      [paths.dataDir, paths.logsDir, paths.taskLogsDir].map((d) => chmod(d, 0o700).catch(() => undefined)),
    );
    // watch before the first read, so an edit saved during start-up is not missed
    let changedDuringStart = false;
    const watcher = watchConfig(
      paths.config,
      () => (this.scheduler ? void this.reloadConfig('watch') : (changedDuringStart = true)),
      { logger: this.logger },
    );
    this.unwatch = watcher.close;
    await watcher.ready;
    await this.loadConfig(true);
    const { journal, replay } = await Journal.open(paths.journal, { logger: this.logger });
    this.journal = journal;
    if (replay.corrupt) {
      this.recoveredFrom = replay.corrupt.movedTo;
      this.logger.error('the task journal was corrupt; it was moved aside and its valid records recovered', {
        ...replay.corrupt,
      });
    }
    if (replay.tornTail) this.logger.warn('ignored a torn last line in the task journal (the host died mid-write)');
    if (this.opts.watchdog !== false)
      this.watchdog = Watchdog.start(this.logger, {
        onChange: () => this.emit('statusChanged'),
        ...(this.opts.watchdogShell ? { shell: this.opts.watchdogShell } : {}),
      });
    this.baselines = new Baselines(`${paths.dataDir}/baseline.json`, this.logger);
    this.monitor = new Monitor({
      logger: this.logger,
      mode: () => this.mode,
      cgroup: await createCgroupTier(this.logger),
    });
    this.supervisor = new Supervisor({
      workspace: paths.workspace,
      builtinDir: this.opts.builtinDir,
      logsDir: paths.logsDir,
      taskLogsDir: paths.taskLogsDir,
      logger: this.logger,
      monitor: this.monitor,
      mayRun: (a) => !this.approvals.gate(a),
      ...(this.watchdog ? { watchdog: this.watchdog } : {}),
      // a quarantine lifted or an agent became ready: waiting tasks may start now
      onChange: () => {
        this.scheduler?.pump();
        this.emit('statusChanged');
      },
    });
    this.addGate((a) => this.supervisor?.gate(a));
    const supervisor = this.supervisor;
    this.sandbox = new Sandboxing(
      {
        workspace: paths.workspace,
        runtimeDirs: runtimeCandidates(),
        bridge: join(this.opts.builtinDir, 'sandbox-bridge.js'),
        node: process.execPath,
        env: process.env,
      },
      this.logger,
    );
    // probed only where a sandbox is asked for: the answer is in status before the first task
    if (Object.values(this.config.agents).some((a) => a.sandbox.enabled)) void this.sandbox.probe();
    const runner = new TaskRunner({
      sandbox: this.sandbox,
      supervisor,
      monitor: this.monitor,
      baselines: this.baselines,
      workspace: paths.workspace,
      builtinDir: this.opts.builtinDir,
      taskLogsDir: paths.taskLogsDir,
      logger: this.logger,
      ...(this.watchdog ? { watchdog: this.watchdog } : {}),
    });
    this.scheduler = new Scheduler({
      store: new TaskStore(this.config.historyLimit),
      journal,
      // every attempt, one-shot or persistent, and the supervisor hears each outcome (taskRunner.ts)
      runner,
      logger: this.logger,
      // with --mode applied: concurrency and retries follow the mode the host runs in
      config: () =>
        this.opts.modeOverride && this.opts.modeOverride !== this.config.mode
          ? { ...this.config, mode: this.opts.modeOverride }
          : this.config,
      gate: (a) => this.gate(a),
      events: {
        taskChanged: (t) => this.emit('taskChanged', t),
        tasksRemoved: (ids) => this.emit('tasksRemoved', ids),
        findings: (t, f, b) => this.applyFindings(t, f, b),
        statusChanged: () => this.emit('statusChanged'),
      },
    });
    await this.reapLeftovers(replay.tasks);
    // rebuild the current findings from the retained history, oldest run first
    const done = replay.tasks
      .filter((t) => t.state === 'succeeded' && t.findings)
      .sort((a, b) => ((a.finishedAt ?? '') < (b.finishedAt ?? '') ? -1 : 1));
    for (const t of done) this.findings.apply(t, t.findings!);
    // those runs may predate the baseline: hide what it accepts now
    await this.refilterBaseline();
    const { requeued, interrupted } = this.scheduler.restore(replay.tasks);
    if (requeued.length)
      this.logger.warn(`re-queued ${requeued.length} task(s) that were running when the host stopped`, {
        ids: requeued.map((t) => t.id),
      });
    if (interrupted.length)
      this.logger.warn(`parked ${interrupted.length} write task(s) as interrupted`, {
        ids: interrupted.map((t) => t.id),
      });
    if (changedDuringStart) await this.reloadConfig('watch');
    this.scheduler.pump();
    const scheduler = this.scheduler;
    this.saves = new SaveTriggers({
      workspace: paths.workspace,
      config: () => this.config,
      builtinOnly: !!this.opts.restricted,
      submit: (items, source) => scheduler.submit(items, source),
      logger: this.logger,
      watchFlag: !!this.opts.watch,
      onStateChange: () => this.emit('statusChanged'),
    });
    await this.saves.apply();
    this.logger.info('host started', {
      pid: process.pid,
      workspace: paths.workspace,
      mode: this.mode,
      tasks: replay.tasks.length,
    });
  }

  /**
   * tasks/submit and tasks/submitBatch from any client: each item is checked first (sizes, files
   * inside the workspace: submitCheck.ts); the ones that pass go to the scheduler in one group
   * commit, the others answer with their error at their index.
   */
  async submit(items: SubmitItem[], source?: string): Promise<SubmitBatchRequest.Result['results']> {
    const ws = this.opts.paths.workspace;
    const refused = await Promise.all(items.map((item) => checkSubmit(ws, item)));
    const ok: SubmitItem[] = [];
    const at: number[] = [];
    refused.forEach((why, i) => {
      if (why === undefined) {
        ok.push(items[i]!);
        at.push(i);
      }
    });
    const accepted = ok.length ? await this.scheduler.submit(ok, source) : [];
    const out: SubmitBatchRequest.Result['results'] = refused.map((why, index) => ({ error: why ?? '', index }));
    accepted.forEach((r, j) => (out[at[j]!] = 'error' in r ? { error: r.error, index: at[j]! } : r));
    return out;
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

  /**
   * agents/restart (`agentic-bg restart-agent ID`): clears the agent's quarantine and restart
   * counters (a running persistent agent is restarted after its tasks), then waiting tasks start.
   */
  restartAgent(id: string): AgentInfo | undefined {
    if (!this.config.agents[id] && !this.agents().some((a) => a.id === id)) return undefined;
    if (this.supervisor?.reset(id)) this.logger.info('agent reset by restart-agent', { agent: id });
    this.scheduler.pump();
    this.emit('statusChanged');
    return this.agents().find((a) => a.id === id);
  }

  /** A killed host's agents: the watchdog normally got them; this catches what it could not. */
  private async reapLeftovers(tasks: TaskInfo[]): Promise<void> {
    // the journal names the process of every running attempt (scheduler: journaled at onStart);
    // a persistent agent's tasks share one process: its group is killed once
    const ws = this.opts.paths.workspace;
    const seen = new Set<number>();
    for (const t of tasks) {
      if (t.state !== 'running') continue;
      const pid = t.attemptLog?.at(-1)?.pid;
      if (!pid || seen.has(pid)) continue;
      seen.add(pid);
      // Ours is a live member of the recorded group that was started for this workspace: every
      // agent gets AGENTIC_WORKSPACE, and /proc/PID/environ keeps what a process was exec'd with.
      // A pid handed since to an unrelated process never carries it, so that one is never
      // signalled; and unlike a check of the leader alone, this finds a group whose leader died.
      // Nothing of the new host runs yet. Costs a /proc scan per recorded group, at start only.
      let ours = false;
      for (const p of await groupPids(pid, { live: true }))
        if ((ours = (await procEnv(p, 'AGENTIC_WORKSPACE')) === ws)) break;
      if (ours) {
        this.logger.warn('killing a leftover agent process group from before the restart', { taskId: t.id, pid });
        killGroup(pid, 'SIGKILL');
      }
    }
  }

  private async loadConfig(
    initial: boolean,
  ): Promise<{ applied: boolean; issues: ConfigIssue[]; changedAgents: string[] }> {
    const file = this.opts.paths.config;
    // only the start takes the cache: a reload is an edit, which the cache has not seen
    // a reload parses in a worker thread: the host keeps answering while a large file is validated
    const res = await loadConfigCached(file, initial ? this.opts.configCache : undefined, !initial);
    const at = new Date().toISOString();
    if (!res.ok) {
      const kept = !initial;
      // loaded here, not at the top: zod comes with it, and a valid config never needs it (cache.ts)
      if (initial) this.config = (await loadValidator()).resolveConfig({ background: { agents: {} } });
      this.configState = {
        file,
        exists: res.exists,
        valid: false,
        usingDefault: false,
        issues: res.issues,
        loadedAt: at,
        keptPrevious: kept,
      };
      this.logger.error(`${file} is invalid${kept ? '; the previous configuration stays in force' : ''}`, {
        issues: res.issues.map((i) => `${i.line ?? '?'}:${i.column ?? '?'} ${i.message}`),
      });
      this.emit('statusChanged');
      return { applied: false, issues: res.issues, changedAgents: [] };
    }
    const prev = initial ? undefined : this.config;
    this.config = res.config;
    this.configState = {
      file,
      exists: res.exists,
      valid: true,
      usingDefault: !res.exists,
      issues: res.issues,
      loadedAt: at,
    };
    this.opts.log.setLevel(this.mode === 'development' ? 'debug' : res.config.logLevel);
    let changedAgents: string[] = [];
    if (prev) {
      const d = diffConfig(prev, res.config);
      changedAgents = [...d.addedAgents, ...d.changedAgents, ...d.removedAgents];
      this.logger.info('configuration reloaded', { ...d });
      this.supervisor?.configChanged(res.config);
      const dropped = this.scheduler.store.setHistoryLimit(res.config.historyLimit);
      if (dropped.length) this.emit('tasksRemoved', dropped);
      this.scheduler.pump();
      // background.watch may have changed
      this.saves?.apply().catch((err: unknown) => this.logger.error('applying watch failed', { error: String(err) }));
    }
    this.emit('statusChanged');
    return { applied: true, issues: res.issues, changedAgents };
  }

  reloadConfig(
    why: 'watch' | 'request' | 'signal',
  ): Promise<{ applied: boolean; issues: ConfigIssue[]; changedAgents: string[] }> {
    this.logger.debug('reloading configuration', { why });
    // one reload at a time: a slow validation must not let an older file win over a newer one
    const r = this.reloading.then(() => this.loadConfig(false));
    this.reloading = r.then(
      () => undefined,
      () => undefined,
    );
    return r;
  }

  private applyFindings(t: TaskInfo, f: Finding[], baselined: Finding[] = []): void {
    const changes = this.findings.apply(t, f);
    this.baselines.noteRun(t, f, baselined);
    if (changes.length) this.emit('findings', t.agent, t.id, changes);
  }

  /** findings/baseline: records the current findings, then withdraws those it now hides. */
  async recordBaseline(agent?: string): Promise<RecordResult> {
    const r = await this.baselines.record(this.findings, this.config, agent);
    await this.refilterBaseline();
    return r;
  }

  private async refilterBaseline(): Promise<void> {
    // taskId '': the change comes from the baseline, not from a run (each finding keeps its own)
    for (const { agent, files } of await this.baselines.refilter(this.findings, this.config))
      if (files.length) this.emit('findings', agent, '', files);
  }

  agents(): AgentInfo[] {
    const infos = agentInfos(this.config, this.scheduler, (a) => this.gate(a)).map((i) =>
      withHealth(i, this.supervisor?.health(i.id)),
    );
    return withLimits(infos, this.config, this.monitor).map((info) => {
      const a = this.config.agents[info.id];
      if (a && a.kind !== 'none') info = { ...info, sandbox: this.sandbox.label(a) };
      if (a?.kind !== 'command') return info;
      // what a client shows for approval: argv template, env keys (never values), and the hash
      return {
        ...info,
        envKeys: Object.keys(a.env).sort(),
        approvalHash: this.approvals.hash(a),
        approved: this.approvals.isApproved(a),
      };
    });
  }

  status(): HostStatus {
    const counts = this.scheduler.store.countsByState();
    const rates = this.scheduler.rates();
    const reasons: string[] = [];
    if (!this.configState.valid)
      reasons.push(
        this.configState.keptPrevious
          ? 'configuration invalid: the previous one stays in force'
          : 'configuration invalid',
      );
    if (this.recoveredFrom) reasons.push(`task journal was corrupt; original kept at ${this.recoveredFrom}`);
    const journalDown = this.scheduler.keeper.failure;
    if (journalDown)
      reasons.push(
        `task journal ${this.opts.paths.journal} cannot be written since ${journalDown.since.toISOString()} ` +
          `(${journalDown.error.message}): new tasks are refused and none start until it can; retrying`,
      );
    const watch = this.saves?.watch;
    if (watch?.error) reasons.push(watch.error);
    if (rates.tasksPerMin >= 5 && rates.failureRate > 0.5)
      reasons.push(`${Math.round(rates.failureRate * 100)}% of tasks failed in the last minute`);
    const agents = this.agents();
    for (const a of agents) if (a.state === 'quarantined') reasons.push(`agent ${a.id} is quarantined`);
    const noWatchdog = this.watchdog?.missing;
    if (noWatchdog)
      reasons.push(
        `the watchdog is not running since ${noWatchdog.since.toISOString()}: agents would outlive a crash of the ` +
          `host; respawning it (${noWatchdog.respawns} respawn(s) so far)`,
      );
    const health =
      (!this.configState.valid && !this.configState.keptPrevious) || journalDown
        ? 'error'
        : reasons.length
          ? 'degraded'
          : 'ok';
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
      waiters: this.scheduler.waitingCount,
      queue: counts,
      rates,
      agents,
      config: this.configState,
      journal: {
        file: this.opts.paths.journal,
        bytes: this.journal.bytes,
        ...(this.recoveredFrom ? { recoveredFrom: this.recoveredFrom } : {}),
      },
      ...(this.opts.restricted ? { restricted: true } : {}),
      ...(this.opts.requireApproval ? { requireApproval: true } : {}),
      ...(watch?.wanted ? { watch: { active: watch.active, ...(watch.error ? { error: watch.error } : {}) } } : {}),
      ...(this.saves ? { saves: this.saves.router.stats() } : {}),
    };
  }

  async taskLog(id: string, tailBytes = 64 * 1024): Promise<{ text: string; truncated: boolean }> {
    const buf = await readFile(`${this.opts.paths.taskLogsDir}/${id}.log`).catch(() => Buffer.alloc(0));
    const truncated = buf.length > tailBytes;
    return { text: buf.subarray(Math.max(0, buf.length - tailBytes)).toString('utf8'), truncated };
  }

  /** Graceful stop: drain until the deadline, kill the rest, flush the journal. */
  async stop(drainTimeoutMs: number): Promise<void> {
    this.logger.info('stopping', { drainTimeoutMs, running: this.scheduler.runningCount });
    this.unwatch?.();
    await this.saves?.close();
    await this.scheduler.drain(Date.now() + drainTimeoutMs);
    // persistent agents: agent/shutdown, then SIGTERM → grace → SIGKILL; awaited until gone
    await this.supervisor?.stop(PERSISTENT_STOP_GRACE_MS);
    this.monitor?.stop(); // nothing is left running; SIGCONT anything still stopped regardless
    // a journal that could not be written holds state only in memory: one last try to save it
    if (!(await this.scheduler.keeper.tryNow()))
      this.logger.error('stopping with a task journal that cannot be written: changes since its failure are lost', {
        error: String(this.journal.error),
      });
    this.scheduler.keeper.stop();
    await this.journal.close();
    await this.watchdog?.close();
    this.logger.info('stopped');
  }
}

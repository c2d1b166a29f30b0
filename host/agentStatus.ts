// The Agents part of the status: one AgentInfo per configured agent, plus any agent that still
// has tasks in the queue but is no longer configured (so nothing waits invisibly).
import type { AgentConfig, ResolvedConfig } from '../common/configSchema';
import type { AgentInfo, TaskState } from '../common/model';
import type { AgentHealth } from './agents/supervisor';
import type { GateResult, Scheduler } from './queue/scheduler';
import type { LiveNumbers } from './agents/monitor';

const FINISHED = new Set<TaskState>(['succeeded', 'failed', 'cancelled']);

export function agentInfos(
  cfg: ResolvedConfig,
  s: Scheduler,
  gate: (a: AgentConfig) => GateResult | undefined = () => undefined,
): AgentInfo[] {
  const out: AgentInfo[] = [];
  for (const a of Object.values(cfg.agents)) {
    const running = s.runningFor(a.id);
    const last = s.store.list({ agent: a.id, states: FINISHED, limit: 1 }).tasks[0];
    const held = a.kind !== 'none' && a.enabled ? gate(a) : undefined;
    const state =
      a.kind === 'none' ? 'unconfigured' : !a.enabled || !cfg.enabled ? 'stopped' : running > 0 ? 'running' : 'idle';
    out.push({
      id: a.id,
      state,
      kind: a.kind,
      ...(a.command ? { command: a.command } : {}),
      ...(a.builtin ? { builtin: a.builtin, command: [`builtin:${a.builtin}`] } : {}),
      persistent: a.persistent,
      effects: a.effects,
      priority: a.priority,
      concurrency: a.concurrency,
      running,
      queued: s.queuedFor(a.id),
      pids: s.pidsFor(a.id),
      restarts: 0,
      tier: 'observe-only',
      limits: {
        ...(a.maxMemoryBytes !== undefined ? { maxMemoryBytes: a.maxMemoryBytes } : {}),
        ...(a.maxCpuPercent !== undefined ? { maxCpuPercent: a.maxCpuPercent } : {}),
        timeoutMs: a.timeoutMs,
      },
      ...(last?.state === 'succeeded' && last.detail ? { lastRunNote: last.detail } : {}),
      ...(held
        ? { reason: held.reason }
        : a.kind === 'none'
          ? { reason: 'no command configured' }
          : !a.enabled
            ? { reason: 'disabled in agentic_config.yaml' }
            : !cfg.enabled
              ? { reason: 'background.enabled is false' }
              : {}),
    });
  }
  for (const id of s.queuedAgents()) {
    if (cfg.agents[id]) continue;
    out.push({
      id,
      state: 'unconfigured',
      kind: 'none',
      persistent: false,
      effects: 'read',
      priority: 'medium',
      concurrency: 0,
      running: s.runningFor(id),
      queued: s.queuedFor(id),
      pids: [],
      restarts: 0,
      tier: 'observe-only',
      limits: { timeoutMs: cfg.taskTimeoutMs },
      reason: 'not in agentic_config.yaml; its queued tasks wait until it is configured again',
    });
  }
  return out;
}

/** What the limits monitor knows: the tier an agent gets, and live numbers while it runs. */
export interface LimitsView {
  tierFor(a: AgentConfig): { tier: AgentInfo['tier']; reason?: string };
  live(agent: string): LiveNumbers | undefined;
}

/**
 * Adds the enforcement tier (README: Limits) and, for agents with running tasks, their live CPU %,
 * RSS and every pid of their process groups (not just the leaders) from the last sample.
 */
export function withLimits(infos: AgentInfo[], cfg: ResolvedConfig, limits: LimitsView | undefined): AgentInfo[] {
  if (!limits) return infos;
  return infos.map((info) => {
    const a = cfg.agents[info.id];
    if (!a || a.kind === 'none') return info;
    const { tier, reason } = limits.tierFor(a);
    const live = limits.live(a.id);
    return {
      ...info,
      tier: live?.tier ?? tier,
      ...(reason ? { tierReason: reason } : {}),
      ...(live ? { pids: [...new Set([...info.pids, ...live.pids])].sort((x, y) => x - y) } : {}),
      ...(live?.cpuPercent !== undefined ? { cpuPercent: live.cpuPercent } : {}),
      ...(live?.rssBytes !== undefined ? { rssBytes: live.rssBytes } : {}),
    };
  });
}

/**
 * Adds the supervisor's view of an agent (persistent process, restarts, last exit and stderr,
 * quarantine) to its row. A stopped or unconfigured agent keeps its state: that is the config's.
 */
export function withHealth(info: AgentInfo, h: AgentHealth | undefined): AgentInfo {
  if (!h) return info;
  const live = info.state === 'idle' || info.state === 'running';
  return {
    ...info,
    ...(live && h.state ? { state: h.state } : {}),
    ...(h.pids ? { pids: h.pids } : {}),
    restarts: h.restarts,
    ...(h.lastExit ? { lastExit: h.lastExit } : {}),
    ...(h.stderrTail ? { stderrTail: h.stderrTail } : {}),
    // a gate's reason (quarantine, approval) is already there and says more
    ...(live && h.reason && !info.reason ? { reason: h.reason } : {}),
  };
}

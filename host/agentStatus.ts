// The Agents part of the status: one AgentInfo per configured agent, plus any agent that still
// has tasks in the queue but is no longer configured (so nothing waits invisibly).
import type { AgentConfig, ResolvedConfig } from '../src/shared/configSchema';
import type { AgentInfo } from '../src/shared/model';
import type { GateResult, Scheduler } from './queue/scheduler';

export function agentInfos(cfg: ResolvedConfig, s: Scheduler, gate: (a: AgentConfig) => GateResult | undefined = () => undefined): AgentInfo[] {
  const out: AgentInfo[] = [];
  for (const a of Object.values(cfg.agents)) {
    const running = s.runningFor(a.id);
    const held = a.kind !== 'none' && a.enabled ? gate(a) : undefined;
    const state = a.kind === 'none' ? 'unconfigured' : !a.enabled || !cfg.enabled ? 'stopped' : running > 0 ? 'running' : 'idle';
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
      ...(held ? { reason: held.reason } : a.kind === 'none' ? { reason: 'no command configured' } : !a.enabled ? { reason: 'disabled in agentic_config.yaml' } : !cfg.enabled ? { reason: 'background.enabled is false' } : {}),
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

// What a hot reload changed, so the host restarts only the agents whose settings moved. Pure.
import type { ResolvedConfig } from '../../common/configSchema';

export interface ConfigDiff {
  changedAgents: string[];
  addedAgents: string[];
  removedAgents: string[];
  /** any setting outside `agents` and `triggers` (limits, mode, log level, backoff, ...) */
  globalChanged: boolean;
  triggersChanged: boolean;
}

/** JSON with sorted object keys: two equal configs built in a different key order compare equal. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val === null || typeof val !== 'object' || Array.isArray(val)) return val;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(val).sort()) sorted[k] = (val as Record<string, unknown>)[k];
    return sorted;
  });
}

export function diffConfig(prev: ResolvedConfig, next: ResolvedConfig): ConfigDiff {
  const changedAgents: string[] = [];
  const addedAgents: string[] = [];
  const removedAgents: string[] = [];
  for (const id of Object.keys(next.agents).sort()) {
    const before = prev.agents[id];
    if (!Object.hasOwn(prev.agents, id) || !before) addedAgents.push(id);
    else if (canonical(before) !== canonical(next.agents[id])) changedAgents.push(id);
  }
  for (const id of Object.keys(prev.agents).sort()) if (!Object.hasOwn(next.agents, id)) removedAgents.push(id);
  const { agents: _pa, triggers: prevTriggers, ...prevGlobal } = prev;
  const { agents: _na, triggers: nextTriggers, ...nextGlobal } = next;
  return {
    changedAgents,
    addedAgents,
    removedAgents,
    globalChanged: canonical(prevGlobal) !== canonical(nextGlobal),
    // Trigger order is kept as written: it is the order the user reads them in.
    triggersChanged: canonical(prevTriggers) !== canonical(nextTriggers),
  };
}

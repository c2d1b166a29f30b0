// Which (agent, task) a saved file triggers: the `on: save` triggers of the resolved config,
// compiled once per config. Pure, no I/O. Also which paths never trigger anything: the host's own
// data, version control and dependencies, and the scratch files editors write next to a file.
import picomatch from 'picomatch';
import type { AgentConfig, TriggerConfig } from '../../common/configSchema';
import type { Priority } from '../../common/model';

export interface SaveTarget {
  agent: string;
  task: string;
  debounceMs: number;
  priority?: Priority;
}

/** Directories whose changes never trigger (the journal and logs change on every run). */
export const NEVER_WATCHED_DIRS = ['.agentic', '.git', 'node_modules'] as const;
const NEVER_DIR_RE = /(^|\/)(\.agentic|\.git|node_modules)(\/|$)/;

/**
 * Scratch files of editors' saves, which only exist around the real write: Vim's swap files and
 * its `4913` probe, backups (`file~`), Emacs' lock and auto-save files, JetBrains' safe-write
 * temporaries, and generic `*.tmp` / `*.swp`. A watcher sees them; they are not the saved file.
 */
const EDITOR_SCRATCH_RE = /(^|\/)(4913|\.#[^/]*|#[^/]*#|[^/]*~|[^/]*\.sw[a-px]|[^/]*\.tmp|[^/]*___jb_(tmp|old)___)$/;

/** True for a workspace-relative path (forward slashes) that never triggers anything. */
export function neverTriggers(rel: string): boolean {
  return NEVER_DIR_RE.test(rel) || EDITOR_SCRATCH_RE.test(rel);
}

export class TriggerMatcher {
  private readonly rules: Array<{ test: (p: string) => boolean; target: SaveTarget }> = [];

  /** builtinOnly: an untrusted workspace (--restricted) triggers nothing the file defines as a command. */
  constructor(
    triggers: readonly TriggerConfig[],
    agents: Readonly<Record<string, Pick<AgentConfig, 'kind' | 'enabled'>>>,
    opts: { builtinOnly: boolean },
  ) {
    for (const t of triggers) {
      if (t.on !== 'save') continue;
      const a = agents[t.agent];
      if (!a || !a.enabled || a.kind === 'none' || (opts.builtinOnly && a.kind !== 'builtin')) continue;
      const test = picomatch(t.files, { dot: true });
      this.rules.push({
        test,
        target: {
          agent: t.agent,
          task: t.task,
          debounceMs: t.debounceMs,
          ...(t.priority ? { priority: t.priority } : {}),
        },
      });
    }
  }

  get size(): number {
    return this.rules.length;
  }

  /** The targets a workspace-relative path (forward slashes) triggers, one per (agent, task). */
  match(rel: string): SaveTarget[] {
    if (neverTriggers(rel)) return [];
    const out = new Map<string, SaveTarget>();
    for (const r of this.rules) {
      if (!r.test(rel)) continue;
      const k = targetKey(r.target);
      const prev = out.get(k);
      // two triggers for the same work: the shorter debounce wins
      if (!prev || r.target.debounceMs < prev.debounceMs) out.set(k, r.target);
    }
    return [...out.values()];
  }
}

/** One pending window per (agent, task). */
export function targetKey(t: Pick<SaveTarget, 'agent' | 'task'>): string {
  return JSON.stringify([t.agent, t.task]);
}

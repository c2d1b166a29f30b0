// The host watching the workspace itself, so an editor without a plugin (Vim, Emacs, JetBrains,
// Zed) or a script gets on-save agents too. @parcel/watcher (native, N-API: inotify on Linux,
// FSEvents on macOS, ReadDirectoryChangesW on Windows), chosen by measurement (README "Other
// editors"); loaded only when watching is on, so a host that does not watch never maps it.
// A file created or changed counts: a plain write, and an editor's write-temp-then-rename (the
// target appears as created). Deletes, directories, .gitignored files, `.agentic/`, `.git/`,
// `node_modules/` and editors' scratch files never count.
import { relative, sep } from 'node:path';
import type { Logger } from '../logger';
import { GitIgnore } from './gitIgnore';
import { NEVER_WATCHED_DIRS, neverTriggers } from './triggerMatcher';

export class WatcherUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the workspace watcher could not start: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

export interface WorkspaceWatcher {
  close(): Promise<void>;
}

interface ParcelEvent {
  path: string;
  type: 'create' | 'update' | 'delete';
}
interface ParcelWatcher {
  subscribe(
    dir: string,
    fn: (err: Error | null, events: ParcelEvent[]) => unknown,
    opts?: { ignore?: string[] },
  ): Promise<{ unsubscribe(): Promise<void> }>;
}

/**
 * Watches `root`; `onFiles` gets the workspace-relative paths written since the last call, once
 * per batch of events the OS delivered. `ignored` adds paths the config knows of (an agent's own
 * SARIF output file must not trigger it again).
 */
export async function watchWorkspace(
  root: string,
  onFiles: (rels: string[]) => void,
  opts: { logger: Logger; ignored?: (rel: string) => boolean },
): Promise<WorkspaceWatcher> {
  let watcher: ParcelWatcher;
  try {
    // a native module: external to the bundle, resolved from node_modules at run time
    watcher = require('@parcel/watcher') as ParcelWatcher;
  } catch (err) {
    throw new WatcherUnavailableError(err);
  }
  const git = new GitIgnore(root);
  let closed = false;
  const handle = async (events: ParcelEvent[]): Promise<void> => {
    const rels = new Set<string>();
    for (const e of events) {
      const rel = relative(root, e.path).split(sep).join('/');
      if (!rel || rel.startsWith('..')) continue;
      if (rel.endsWith('.gitignore') || rel === '.git/info/exclude') git.changed(rel);
      if (e.type === 'delete' || neverTriggers(rel) || opts.ignored?.(rel)) continue;
      rels.add(rel);
    }
    const kept: string[] = [];
    for (const rel of rels) if (!(await git.ignores(rel))) kept.push(rel);
    if (kept.length && !closed) onFiles(kept);
  };
  let sub: { unsubscribe(): Promise<void> };
  try {
    sub = await watcher.subscribe(
      root,
      (err, events) => {
        if (err) return opts.logger.warn('workspace watcher error', { error: err.message });
        handle(events).catch((e: unknown) => opts.logger.error('workspace watcher event failed', { error: String(e) }));
      },
      // never even watched (fewer inotify watches; node_modules alone can be 100 000 files)
      { ignore: [...NEVER_WATCHED_DIRS, '**/node_modules', '**/.git'] },
    );
  } catch (err) {
    throw new WatcherUnavailableError(err);
  }
  return {
    close: async () => {
      closed = true;
      await sub.unsubscribe();
    },
  };
}

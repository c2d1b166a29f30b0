// The host watching the workspace itself, so an editor without a plugin (Vim, Emacs, JetBrains,
// Zed) or a script gets on-save agents too. @parcel/watcher (native, N-API: inotify on Linux,
// FSEvents on macOS, ReadDirectoryChangesW on Windows), chosen by measurement (README "Other
// editors"); loaded only when watching is on, so a host that does not watch never maps it.
// A file created or changed counts: a plain write, and an editor's write-temp-then-rename (the
// target appears as created). Deletes, directories, .gitignored files, `.agentic/`, `.git/`,
// `node_modules/` and editors' scratch files never count.
import { lstat, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Logger } from '../logger';
import { GitIgnore } from './gitIgnore';
import { NEVER_WATCHED_DIRS, neverTriggers } from './triggerMatcher';

/**
 * The watcher counts as busy (trigger windows stay open, up to their maxWait) from its first event
 * until this long after its last: a `git checkout` on a loaded machine delivers its events with
 * pauses longer than a debounce, and a window closed in such a pause would run its first few files
 * one by one instead of the whole checkout as one burst.
 */
export const QUIET_MS = 500;

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
export interface ParcelWatcher {
  subscribe(
    dir: string,
    fn: (err: Error | null, events: ParcelEvent[]) => unknown,
    opts?: { ignore?: string[] },
  ): Promise<{ unsubscribe(): Promise<void> }>;
}

/** The files below a new directory (not following links; never-watched directories skipped). */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const d of entries) {
    const p = join(dir, d.name);
    if (d.isDirectory()) {
      if (!(NEVER_WATCHED_DIRS as readonly string[]).includes(d.name)) out.push(...(await filesUnder(p)));
    } else if (d.isFile()) out.push(p);
  }
  return out;
}

/**
 * Watches `root`; `onFiles` gets the workspace-relative paths written since the last call, once
 * per batch of events the OS delivered. `ignored` adds paths the config knows of (an agent's own
 * SARIF output file must not trigger it again).
 */
export async function watchWorkspace(
  root: string,
  onFiles: (rels: string[]) => void,
  opts: {
    logger: Logger;
    ignored?: (rel: string) => boolean;
    busy?: (on: boolean) => void;
    /** how the native module is loaded (a platform without a prebuilt binary fails here) */
    load?: () => ParcelWatcher;
  },
): Promise<WorkspaceWatcher> {
  let watcher: ParcelWatcher;
  try {
    // a native module: external to the bundle, resolved from node_modules at run time
    watcher = opts.load ? opts.load() : (require('@parcel/watcher') as ParcelWatcher);
  } catch (err) {
    throw new WatcherUnavailableError(err);
  }
  const git = new GitIgnore(root);
  let closed = false;
  const handle = async (events: ParcelEvent[]): Promise<void> => {
    const rels = new Set<string>();
    const take = (rel: string): void => {
      if (!neverTriggers(rel) && !opts.ignored?.(rel)) rels.add(rel);
    };
    const created: string[] = [];
    for (const e of events) {
      const rel = relative(root, e.path).split(sep).join('/');
      if (!rel || rel.startsWith('..')) continue;
      if (rel.endsWith('.gitignore') || rel === '.git/info/exclude') git.changed(rel);
      if (e.type === 'delete') continue;
      if (e.type === 'create' && !neverTriggers(rel)) created.push(e.path);
      take(rel);
    }
    // files written into a directory before its watch was added have no event of their own
    // (mkdir -p a/b && write a/b/c, a checkout that adds a directory): a new directory is read
    const dirs = await Promise.all(
      created.map(async (p) => ((await lstat(p).catch(() => undefined))?.isDirectory() ? p : '')),
    );
    for (const d of dirs) if (d) for (const f of await filesUnder(d)) take(relative(root, f).split(sep).join('/'));
    const ignored = await Promise.all([...rels].map((rel) => git.ignores(rel)));
    const kept = [...rels].filter((_, i) => !ignored[i]);
    if (kept.length && !closed) onFiles(kept);
  };
  // one batch at a time, in order; what arrives meanwhile waits and is read in one go
  let queued: ParcelEvent[] = [];
  let running: Promise<void> | undefined;
  const drain = async (): Promise<void> => {
    try {
      while (queued.length) {
        const batch = queued;
        queued = [];
        await handle(batch);
      }
    } finally {
      running = undefined;
      quiet();
    }
  };
  let busy = false;
  let quietTimer: NodeJS.Timeout | undefined;
  const quiet = (): void => {
    if (quietTimer) clearTimeout(quietTimer);
    quietTimer = setTimeout(() => {
      quietTimer = undefined;
      if (running || !busy) return; // drain re-arms when it ends
      busy = false;
      opts.busy?.(false);
    }, QUIET_MS);
  };
  let sub: { unsubscribe(): Promise<void> };
  try {
    sub = await watcher.subscribe(
      root,
      (err, events) => {
        if (err) return opts.logger.warn('workspace watcher error', { error: err.message });
        let relevant = false;
        for (const e of events) {
          queued.push(e);
          // only what may become a save holds windows (editors' scratch files, deletes: not)
          relevant ||= e.type !== 'delete' && !neverTriggers(relative(root, e.path).split(sep).join('/'));
        }
        if (relevant) {
          if (!busy) {
            busy = true;
            opts.busy?.(true);
          }
          quiet();
        }
        running ??= drain().catch((e: unknown) =>
          opts.logger.error('workspace watcher event failed', { error: String(e) }),
        );
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
      if (quietTimer) clearTimeout(quietTimer);
      await sub.unsubscribe();
    },
  };
}

// The worktrees write tasks run in: one per running write task, kept and reused afterwards so that
// setting up the next task only touches the files that differ between two snapshots (git checkout
// of the new snapshot, then clean of untracked files; ignored files such as build caches stay).
// They live outside the workspace (under the user's cache dir) so the user's editor, search and
// file watchers never see them. The workspace's ignored dependency folders (node_modules, .venv …)
// are linked in, not copied. A pool that finds worktrees it does not know at start (a crash)
// removes them, except the ones a pending change set still needs.
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, rm, symlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { git } from './git';
import type { Snapshot } from './snapshot';

/** ignored folders linked into every worktree when the workspace has them */
export const DEFAULT_SHARED = ['node_modules', '.venv', 'venv', 'vendor/bundle', '.gradle', 'target'];

export function worktreeBase(top: string, env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const hash = createHash('sha256').update(top).digest('hex').slice(0, 16);
  return join(cache, 'agentic-bg', 'worktrees', hash);
}

export interface Lease {
  /** the worktree's top level */
  path: string;
  /** where the agent runs: the worktree plus the workspace's prefix in the repository */
  cwd: string;
  snapshot: Snapshot;
  /** whether an existing worktree was reused (only changed files were touched) */
  reused: boolean;
}

export class WorktreePool {
  private readonly free: string[] = [];
  private readonly busy = new Set<string>();
  private seq = 0;

  constructor(
    readonly top: string,
    readonly base: string,
    private readonly shared: string[] = DEFAULT_SHARED,
    private readonly maxFree = 2,
  ) {}

  /** Removes worktrees under base that are not in `keep` (paths), and prunes git's records. */
  async recover(keep: Set<string>): Promise<string[]> {
    const removed: string[] = [];
    for (const wt of await this.listOurs()) {
      if (keep.has(wt)) {
        this.busy.add(wt);
        continue;
      }
      await this.remove(wt);
      removed.push(wt);
    }
    await git(['worktree', 'prune'], { cwd: this.top });
    for (const name of await readdir(this.base).catch(() => [] as string[])) {
      const p = join(this.base, name);
      if (!keep.has(p) && !removed.includes(p)) await rm(p, { recursive: true, force: true });
    }
    return removed;
  }

  /** the worktrees git knows under base */
  async listOurs(): Promise<string[]> {
    const out = await git(['worktree', 'list', '--porcelain'], { cwd: this.top });
    return out
      .split('\n')
      .filter((l) => l.startsWith('worktree '))
      .map((l) => l.slice('worktree '.length))
      .filter((p) => p.startsWith(this.base + '/'));
  }

  async acquire(snapshot: Snapshot): Promise<Lease> {
    let path = this.free.pop();
    const reused = path !== undefined;
    if (path) {
      await git(['checkout', '--force', '--detach', '-q', snapshot.commit], { cwd: path });
      await git(['clean', '-fdq'], { cwd: path });
    } else {
      await mkdir(this.base, { recursive: true, mode: 0o700 });
      path = join(this.base, `wt-${process.pid}-${Date.now().toString(36)}-${this.seq++}`);
      await git(['worktree', 'add', '--detach', '-f', '-q', path, snapshot.commit], { cwd: this.top });
    }
    this.busy.add(path);
    await this.linkShared(path);
    return { path, cwd: snapshot.prefix ? join(path, snapshot.prefix) : path, snapshot, reused };
  }

  /** The task is over and its change set is stored: the worktree may serve the next one. */
  async release(path: string): Promise<void> {
    this.busy.delete(path);
    if (this.free.length >= this.maxFree) await this.remove(path);
    else this.free.push(path);
  }

  /** The worktree must go (its change set was applied or discarded, or it is not wanted). */
  async remove(path: string): Promise<void> {
    this.busy.delete(path);
    const i = this.free.indexOf(path);
    if (i >= 0) this.free.splice(i, 1);
    await git(['worktree', 'remove', '--force', '--force', path], { cwd: this.top }).catch(() => undefined);
    await rm(path, { recursive: true, force: true });
    await git(['worktree', 'prune'], { cwd: this.top }).catch(() => undefined);
  }

  async close(): Promise<void> {
    for (const p of [...this.free]) await this.remove(p);
  }

  /** Links the workspace's ignored dependency folders into the worktree (never copies them). */
  private async linkShared(path: string): Promise<void> {
    for (const rel of this.shared) {
      const src = join(this.top, rel);
      const dst = join(path, rel);
      const st = await lstat(src).catch(() => undefined);
      if (!st?.isDirectory()) continue;
      if (await lstat(dst).catch(() => undefined)) continue;
      // only what git ignores: a tracked or untracked-but-visible folder is part of the snapshot
      if (!(await isIgnored(this.top, rel))) continue;
      await mkdir(join(dst, '..'), { recursive: true });
      await symlink(src, dst, 'dir');
    }
  }
}

async function isIgnored(top: string, rel: string): Promise<boolean> {
  const out = await git(['check-ignore', '--', rel], { cwd: top, okCodes: [1] });
  return out.trim() !== '';
}

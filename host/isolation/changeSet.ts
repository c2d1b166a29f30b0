// A write task's result: the difference between its snapshot and what the agent left in its
// worktree (modified, added, deleted, renamed and binary files, mode changes), stored as a commit
// under refs/agentic/changes/ so it survives a host restart and needs no copy of its own, with a
// summary for views and the CLI (files, lines added and removed).
import { git, gitLine, gitRaw } from './git';
import type { Snapshot } from './snapshot';

export type ChangeStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'type-changed';

export interface FileChange {
  path: string;
  /** the path in the snapshot, for a rename */
  from?: string;
  status: ChangeStatus;
  oldMode: string;
  newMode: string;
  oldBlob: string;
  newBlob: string;
  /** null for a binary file */
  added: number | null;
  removed: number | null;
}

export interface ChangeSet {
  /** the snapshot the task started from */
  base: string;
  baseTree: string;
  /** the commit holding the agent's result (parent: the snapshot) */
  commit: string;
  tree: string;
  /** paths relative to the repository's top level */
  files: FileChange[];
  summary: { files: number; added: number; removed: number; binary: number };
}

export const changesRef = (id: string) => `refs/agentic/changes/${id}`;

const STATUS: Record<string, ChangeStatus> = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  R: 'renamed',
  T: 'type-changed',
};

/** Parses `git diff-tree -r -z --raw -M` and `--numstat` output into file changes. */
export function parseDiff(raw: string, numstat: string): FileChange[] {
  const lines = new Map<string, { added: number | null; removed: number | null }>();
  const ns = numstat.split('\0');
  for (let i = 0; i < ns.length; i++) {
    const head = ns[i];
    if (!head) continue;
    const [a, r, p] = head.split('\t');
    const counts = { added: a === '-' ? null : Number(a), removed: r === '-' ? null : Number(r) };
    if (p === '') {
      // a rename: "a\tr\t\0from\0to"
      i += 2;
      lines.set(ns[i]!, counts);
    } else lines.set(p!, counts);
  }
  const out: FileChange[] = [];
  const parts = raw.split('\0');
  for (let i = 0; i < parts.length; i++) {
    const meta = parts[i];
    if (!meta || !meta.startsWith(':')) continue;
    const [oldMode, newMode, oldBlob, newBlob, st] = meta.slice(1).split(' ') as [
      string,
      string,
      string,
      string,
      string,
    ];
    const letter = st[0]!;
    const from = letter === 'R' || letter === 'C' ? parts[++i] : undefined;
    const path = parts[++i]!;
    const c = lines.get(path) ?? { added: null, removed: null };
    out.push({
      path,
      ...(from !== undefined ? { from } : {}),
      status: STATUS[letter] ?? 'modified',
      oldMode,
      newMode,
      oldBlob,
      newBlob,
      ...c,
    });
  }
  return out;
}

/** Records what the agent changed in `worktree` relative to `snapshot` as a change set. */
export async function collectChangeSet(worktree: string, snapshot: Snapshot, id: string): Promise<ChangeSet> {
  // the worktree's own index: nothing of the user's is touched
  await git(['add', '-A', '--', '.'], { cwd: worktree });
  const tree = await gitLine(['write-tree'], { cwd: worktree });
  const commit = await gitLine(['commit-tree', tree, '-p', snapshot.commit, '-m', `agentic-bg changes of task ${id}`], {
    cwd: worktree,
  });
  await git(['update-ref', changesRef(id), commit], { cwd: snapshot.top });
  const diffArgs = ['diff-tree', '-r', '-z', '-M', '--no-commit-id', snapshot.tree, tree];
  const [raw, numstat] = await Promise.all([
    gitRaw([...diffArgs, '--raw'], { cwd: snapshot.top }),
    gitRaw([...diffArgs, '--numstat'], { cwd: snapshot.top }),
  ]);
  const files = parseDiff(raw.stdout.toString('utf8'), numstat.stdout.toString('utf8'));
  return {
    base: snapshot.commit,
    baseTree: snapshot.tree,
    commit,
    tree,
    files,
    summary: {
      files: files.length,
      added: files.reduce((n, f) => n + (f.added ?? 0), 0),
      removed: files.reduce((n, f) => n + (f.removed ?? 0), 0),
      binary: files.filter((f) => f.added === null).length,
    },
  };
}

/** The unified diff of a change set (for `agentic-bg changes ID --diff`). */
export function changeSetDiff(
  top: string,
  cs: Pick<ChangeSet, 'baseTree' | 'tree'>,
  paths: string[] = [],
): Promise<string> {
  return git(['diff-tree', '-r', '-p', '-M', '--binary', '--no-commit-id', cs.baseTree, cs.tree, '--', ...paths], {
    cwd: top,
  });
}

// A snapshot of the workspace as it is when a write task starts: HEAD plus the user's uncommitted
// changes to tracked files plus untracked files that are not ignored, as a commit that no branch
// points to. It never touches what the user owns: the index is a private copy (GIT_INDEX_FILE),
// no stash entry, branch or HEAD moves, and no file of the working tree is written. The commit is
// kept alive by a ref under refs/agentic/ until the task's change set is applied or discarded.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { git, gitLine, GitError } from './git';

export class NotARepositoryError extends Error {
  constructor(readonly workspace: string) {
    super(
      `${workspace} is not a git repository: a write agent runs in a git worktree of its own. ` +
        'Run "git init" (and commit), or set isolation: none on the agent to let it write in the working tree.',
    );
  }
}

export interface Snapshot {
  /** the snapshot commit (parent: HEAD when there is one) */
  commit: string;
  tree: string;
  /** HEAD when the snapshot was taken; null in a repository without commits */
  head: string | null;
  /** the repository's top level */
  top: string;
  /** the workspace relative to the top level ('' when they are the same) */
  prefix: string;
}

export async function repoTop(workspace: string): Promise<string> {
  try {
    return await gitLine(['rev-parse', '--show-toplevel'], { cwd: workspace });
  } catch (err) {
    if (err instanceof GitError) throw new NotARepositoryError(workspace);
    throw err;
  }
}

export const snapshotRef = (id: string) => `refs/agentic/snapshots/${id}`;

export async function takeSnapshot(workspace: string, id: string): Promise<Snapshot> {
  const top = await repoTop(workspace);
  const tmp = await mkdtemp(join(tmpdir(), 'agbg-snap-'));
  const index = join(tmp, 'index');
  try {
    // start from a copy of the user's index: its stat data spares re-hashing unchanged files
    const userIndex = await gitLine(['rev-parse', '--path-format=absolute', '--git-path', 'index'], { cwd: top });
    await copyFile(userIndex, index).catch(() => undefined);
    const env = { GIT_INDEX_FILE: index };
    const head = await gitLine(['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { cwd: top }).catch(() => null);
    if (head === null) await git(['read-tree', '--empty'], { cwd: top, env });
    await git(['add', '-A', '--', '.'], { cwd: top, env });
    const tree = await gitLine(['write-tree'], { cwd: top, env });
    const commit = await gitLine(
      ['commit-tree', tree, ...(head ? ['-p', head] : []), '-m', `agentic-bg snapshot for task ${id}`],
      { cwd: top },
    );
    await git(['update-ref', snapshotRef(id), commit], { cwd: top });
    return { commit, tree, head, top, prefix: relative(top, workspace).split('\\').join('/') };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

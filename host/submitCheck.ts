// What the host checks of a submitted task before it is accepted, whoever sent it (the CLI, the
// extension, any client of the socket): the sizes of common/submitLimits.ts, and that every file
// lies inside the workspace once symlinks are resolved. An agent runs with the user's rights:
// without this, `files: ["../../etc/shadow"]` or a symlink to it would hand that file to a `cat`.
// An item with `allowOutside: true` (agentic-bg submit --allow-outside) skips the second check.
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { SubmitItem } from '../common/protocol';
import { checkSubmitItem } from '../common/submitLimits';

/** true when `p` is `root` or below it (both absolute and normalized) */
export function isInside(root: string, p: string): boolean {
  if (p === root) return true;
  const rel = relative(root, p);
  return rel !== '' && !rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel);
}

/**
 * The real path of `p`; for a file that does not exist (yet, or any more), the real path of its
 * nearest existing ancestor with the rest appended, so a symlinked parent is still seen through.
 * `p` must hold no `..` segment (the kernel resolves a symlink before the `..` that follows it).
 */
export async function realpathLoose(p: string): Promise<string> {
  const rest: string[] = [];
  let cur = p;
  for (;;) {
    try {
      const r = await realpath(cur);
      return rest.length ? join(r, ...rest.reverse()) : r;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const parent = dirname(cur);
      if (parent === cur) return p;
      rest.push(basename(cur));
      cur = parent;
    }
  }
}

/** Why a file of a task may not be submitted (outside the workspace), or undefined. */
export async function checkFileInside(workspace: string, file: string): Promise<string | undefined> {
  const abs = resolve(workspace, file);
  if (!isInside(workspace, abs)) return `file ${file} is outside the workspace ${workspace}`;
  // `link/../x` opens the parent of link's target, not x: refused rather than guessed at
  if (file.split(/[\\/]/).includes('..')) return `file ${file} contains a ".." segment; name it without one`;
  let real: string;
  try {
    real = await realpathLoose(abs);
  } catch (err) {
    return `file ${file} cannot be resolved: ${(err as Error).message}`;
  }
  if (!isInside(workspace, real)) return `file ${file} is outside the workspace ${workspace} (it resolves to ${real})`;
  return undefined;
}

/**
 * Why the item is refused, or undefined. `workspace` must be a real path (hostPaths' is). The
 * files are resolved concurrently: a Save All batch of thousands is one round of realpath calls.
 */
export async function checkSubmit(workspace: string, item: SubmitItem): Promise<string | undefined> {
  if (!item || typeof item !== 'object') return 'each item must be an object';
  const shape = checkSubmitItem(item);
  if (shape) return shape;
  if (item.allowOutside === true || !item.files?.length) return undefined;
  const why = await Promise.all(item.files.map((f) => checkFileInside(workspace, f)));
  const bad = why.filter((w): w is string => w !== undefined);
  if (bad.length === 0) return undefined;
  return bad.length === 1 ? bad[0] : `${bad[0]} (and ${bad.length - 1} more file(s) outside the workspace)`;
}

// `agentic-bg submit --file F`: what F means. A path is relative to the workspace (as the host
// and its agents see it); a directory stands for the files below it; a missing file is an error
// (the shell did not expand a glob, or a typo), never a task that "succeeds" on nothing; and a
// file outside the workspace once symlinks are resolved is refused unless --allow-outside says
// so (the host refuses it too, from any client: host/submitCheck.ts).
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { SUBMIT_LIMITS } from '../../common/submitLimits';
import { isInside } from '../submitCheck';
import { UsageError } from './args';

/** Never descended into when a directory is expanded: tools' and VCS' own trees, and ours. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set(['.git', '.hg', '.svn', 'node_modules', '.agentic']);

export interface FileArgOptions {
  /** the workspace's real path */
  workspace: string;
  allowOutside: boolean;
  /** how the argument is named in errors: `--file` or `FILE:LINE: files[0]` */
  label?: (arg: string) => string;
}

const GLOB = /[*?[\]{}]/;

/** The files the arguments stand for: workspace-relative with `/` (or absolute when allowed outside), sorted within a directory, without duplicates. */
export async function resolveFileArgs(args: string[], opts: FileArgOptions): Promise<string[]> {
  const out = new Set<string>();
  for (const arg of args) {
    for (const f of await resolveOne(arg, opts)) {
      out.add(f);
      if (out.size > SUBMIT_LIMITS.maxFiles)
        throw new UsageError(
          `${label(opts, arg)}: more than ${SUBMIT_LIMITS.maxFiles} files in one task; name a smaller directory`,
        );
    }
  }
  return [...out];
}

function label(opts: FileArgOptions, arg: string): string {
  return opts.label ? opts.label(arg) : `--file ${arg}`;
}

async function resolveOne(arg: string, opts: FileArgOptions): Promise<string[]> {
  const ws = opts.workspace;
  if (arg === '') throw new UsageError(`${label(opts, arg)}: an empty file name`);
  const abs = resolve(ws, arg);
  try {
    await lstat(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint = GLOB.test(arg) ? ' (a glob is not expanded here: let the shell expand it, or name a directory)' : '';
    throw new UsageError(
      `${label(opts, arg)}: ${code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file or directory' : (err as Error).message} in ${ws}${hint}`,
    );
  }
  const real = await realpath(abs).catch((err: Error) => {
    throw new UsageError(`${label(opts, arg)}: ${err.message}`); // a dangling symlink
  });
  outside(label(opts, arg), abs, real, opts);
  const st = await stat(real);
  if (st.isDirectory()) {
    const files = await expandDir(arg, abs, opts);
    if (files.length === 0) throw new UsageError(`${label(opts, arg)}: no files below this directory`);
    return files;
  }
  if (!st.isFile()) throw new UsageError(`${label(opts, arg)}: not a regular file or a directory`);
  return [name(ws, abs)];
}

/** Refuses a path outside the workspace (by its real path) unless allowed; `what` names it. */
function outside(what: string, abs: string, real: string, opts: FileArgOptions): void {
  if (opts.allowOutside || (isInside(opts.workspace, abs) && isInside(opts.workspace, real))) return;
  const via = real !== abs ? ` (it resolves to ${real})` : '';
  throw new UsageError(
    `${what} is outside the workspace ${opts.workspace}${via}; pass --allow-outside to submit it anyway`,
  );
}

/** How the host and the agents are given the file: relative to the workspace when inside it. */
function name(ws: string, abs: string): string {
  if (!isInside(ws, abs) || abs === ws) return abs;
  const rel = relative(ws, abs);
  return sep === '/' ? rel : rel.split(sep).join('/');
}

/**
 * The regular files below `dir`, depth first in name order. Symlinks to directories are not
 * followed (a loop, or a way out of the tree); a symlink to a file counts, inside the workspace.
 */
async function expandDir(arg: string, dir: string, opts: FileArgOptions): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name)) await walk(p);
      } else if (e.isFile()) out.push(name(opts.workspace, p));
      else if (e.isSymbolicLink()) {
        const real = await realpath(p).catch(() => undefined);
        if (!real) continue; // dangling: nothing to check
        const st = await stat(real);
        if (!st.isFile()) continue;
        outside(`${label(opts, arg)}: ${name(opts.workspace, p)}`, p, real, opts);
        out.push(name(opts.workspace, p));
      }
      if (out.length > SUBMIT_LIMITS.maxFiles)
        throw new UsageError(
          `${label(opts, arg)}: more than ${SUBMIT_LIMITS.maxFiles} files below it; name a smaller directory`,
        );
    }
  };
  await walk(dir);
  return out;
}

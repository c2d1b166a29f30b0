// Accepting a change set: a 3-way merge of each file onto the user's current working tree, with
// the snapshot as the base. Edits the user made since the snapshot are kept; non-overlapping hunks
// of both sides apply; a file with overlapping hunks is a conflict and is left exactly as the user
// has it (the merge with conflict markers is returned for the user to open, never written).
// Every file is written atomically (temp file + rename, mode kept or set as the agent left it).
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ChangeSet, FileChange } from './changeSet';
import { readBlobs } from './blobs';
import { gitRaw } from './git';

export interface Conflict {
  path: string;
  reason: string;
  /** the merge with conflict markers (text files with overlapping hunks) */
  merged?: string;
  hunks?: number;
}

export interface ApplyResult {
  applied: string[];
  /** already as the agent left them (the user made the same edit) */
  unchanged: string[];
  conflicts: Conflict[];
}

const ZERO = /^0+$/;
const isLink = (mode: string) => mode === '120000';
const isExec = (mode: string) => mode === '100755';

/** the user's file now: its bytes (a symlink: its target), or undefined when it does not exist */
async function current(path: string): Promise<{ bytes: Buffer; link: boolean } | undefined> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return undefined;
  if (st.isSymbolicLink()) return { bytes: Buffer.from(await readlink(path)), link: true };
  if (!st.isFile()) return { bytes: Buffer.alloc(0), link: false };
  return { bytes: await readFile(path), link: false };
}

async function writeAtomic(path: string, bytes: Buffer, mode: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${process.pid}.${Date.now()}.agentic-tmp`);
  try {
    if (isLink(mode)) await symlink(bytes.toString('utf8'), tmp);
    else {
      await writeFile(tmp, bytes, { mode: isExec(mode) ? 0o755 : 0o644 });
      await chmod(tmp, isExec(mode) ? 0o755 : 0o644);
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

const looksBinary = (b: Buffer) => b.subarray(0, 8000).includes(0);

const CONFLICT_CODES = Array.from({ length: 127 }, (_, i) => i + 1);

/** git merge-file in `dir`: the merged bytes and the number of conflicting hunks */
async function merge3(
  dir: string,
  ours: Buffer,
  base: Buffer,
  theirs: Buffer,
): Promise<{ merged: Buffer; conflicts: number }> {
  const [o, b, t] = ['yours', 'snapshot', 'agent'].map((n) => join(dir, n)) as [string, string, string];
  await Promise.all([writeFile(o, ours), writeFile(b, base), writeFile(t, theirs)]);
  const r = await gitRaw(['merge-file', '-p', '--diff3', '-L', 'yours', '-L', 'snapshot', '-L', 'agent', o, b, t], {
    cwd: dir,
    okCodes: CONFLICT_CODES,
  });
  return { merged: r.stdout, conflicts: r.code };
}

interface Ctx {
  top: string;
  blobs: Map<string, Buffer>;
  /** scratch dir for merge-file's three inputs */
  dir: string;
}

async function applyOne(c: Ctx, f: FileChange, out: ApplyResult): Promise<void> {
  const target = join(c.top, f.path);
  const source = f.from ? join(c.top, f.from) : target;
  const base = ZERO.test(f.oldBlob) ? undefined : c.blobs.get(f.oldBlob);
  const theirs = ZERO.test(f.newBlob) ? undefined : c.blobs.get(f.newBlob);
  const ours = await current(source);
  const same = (a: Buffer | undefined, b: Buffer | undefined) => (a && b ? a.equals(b) : a === b);

  if (f.status === 'deleted') {
    if (!ours) return void out.unchanged.push(f.path);
    if (!same(ours.bytes, base))
      return void out.conflicts.push({
        path: f.path,
        reason: 'the agent deleted it, and you changed it since the snapshot',
      });
    await unlink(target);
    return void out.applied.push(f.path);
  }
  if (f.status === 'added') {
    if (ours && same(ours.bytes, theirs)) return void out.unchanged.push(f.path);
    if (ours)
      return void out.conflicts.push({
        path: f.path,
        reason: 'the agent added it, and you created a different file there',
      });
    await writeAtomic(target, theirs!, f.newMode);
    return void out.applied.push(f.path);
  }
  // modified, renamed, type-changed: merge ours (at the old path) with the agent's change
  if (!ours)
    return void out.conflicts.push({
      path: f.path,
      reason: 'the agent changed it, and you deleted it since the snapshot',
    });
  if (f.status === 'renamed' && f.from && (await current(target)))
    return void out.conflicts.push({
      path: f.path,
      reason: `the agent renamed ${f.from} to it, and you created a file there`,
    });
  let result: Buffer;
  if (same(ours.bytes, base)) result = theirs!;
  else if (same(ours.bytes, theirs) && !f.from) return void out.unchanged.push(f.path);
  else if (
    isLink(f.oldMode) ||
    isLink(f.newMode) ||
    ours.link ||
    looksBinary(ours.bytes) ||
    looksBinary(theirs!) ||
    looksBinary(base!)
  )
    return void out.conflicts.push({
      path: f.path,
      reason: 'a binary file or symlink that both you and the agent changed',
    });
  else {
    const m = await merge3(c.dir, ours.bytes, base!, theirs!);
    if (m.conflicts > 0)
      return void out.conflicts.push({
        path: f.path,
        reason: `${m.conflicts} hunk(s) overlap your edits since the snapshot`,
        merged: m.merged.toString('utf8'),
        hunks: m.conflicts,
      });
    result = m.merged;
  }
  await writeAtomic(target, result, f.newMode);
  if (f.from && f.from !== f.path) await unlink(source).catch(() => undefined);
  out.applied.push(f.path);
}

/**
 * Applies the change set (or only `paths` of it) onto the working tree of the repository at `top`.
 * Conflicting files are left untouched; everything else is applied.
 */
export async function applyChangeSet(top: string, cs: ChangeSet, paths?: string[]): Promise<ApplyResult> {
  const out: ApplyResult = { applied: [], unchanged: [], conflicts: [] };
  const want = paths && new Set(paths);
  const files = cs.files.filter((f) => !want || want.has(f.path) || (f.from !== undefined && want.has(f.from)));
  const ids = files.flatMap((f) => [f.oldBlob, f.newBlob]).filter((id) => !ZERO.test(id));
  const dir = await mkdtemp(join(tmpdir(), 'agbg-merge-'));
  try {
    const c: Ctx = { top, blobs: await readBlobs(top, ids), dir };
    for (const f of files) await applyOne(c, f, out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}

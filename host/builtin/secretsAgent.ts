// The `secrets` builtin as an agent process: task parsing, choosing the files, SARIF output.
// secretsMain.ts is the thin entry that wires this to the process (env, stdin, stdout, exit code);
// everything here takes its inputs as arguments so the tests can drive it without spawning.
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { scanText, type SecretHit } from './secrets';
import { IGNORE_FILE, parseSecretsIgnore } from './secretsIgnore';
import { toSarif, type SarifNotification } from './secretsSarif';

export { toSarif } from './secretsSarif';
import { keystoreHit } from './secretsKeystore';

/** The task as the host hands it to a one-shot agent (README: Agents). */
export interface AgentTask {
  id?: string;
  agent?: string;
  task?: string;
  /** workspace-relative (or absolute) paths; empty: scan the whole workspace */
  files: string[];
  params?: Record<string, unknown>;
  /** absolute path of the workspace root */
  workspace: string;
}

/** A problem with the task itself: exit code 2, never retried. */
export class UsageError extends Error {}

export const MAX_FILE_BYTES = 2 * 1024 * 1024;
const PARALLEL_READS = 16;
/** Directories never worth scanning: VCS data, dependencies, build output, our own state. */
const SKIP_DIRS = new Set([
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  '.agentic',
  'dist',
  'out',
  'build',
  'vendor',
  '.venv',
  'venv',
  '__pycache__',
  '.mypy_cache',
  '.pytest_cache',
  '.tox',
  '.next',
  '.nuxt',
  'target',
  'coverage',
]);
/** Generated files that are all hashes and integrity strings: noise and time, no secrets. */
const SKIP_FILES = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'Cargo.lock',
  'poetry.lock',
  'Pipfile.lock',
  'composer.lock',
  'Gemfile.lock',
  'go.sum',
  'uv.lock',
]);
/** Binary by extension: skipped in a walk without even reading their first bytes. */
const BINARY_EXT =
  /\.(?:png|jpe?g|gif|bmp|ico|webp|pdf|zip|gz|tgz|bz2|xz|7z|jar|war|class|pyc|so|dylib|dll|exe|o|a|wasm|woff2?|ttf|otf|eot|mp[34]|mov|avi|sqlite|db)$/i;

/** Parses and checks the task JSON. Messages never quote the input (it could hold anything). */
export function parseTask(json: string, cwd: string): AgentTask {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new UsageError('the task is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new UsageError('the task must be a JSON object');
  const t = raw as Record<string, unknown>;
  const files = t.files ?? [];
  if (!Array.isArray(files) || !files.every((f) => typeof f === 'string')) {
    throw new UsageError('task.files must be an array of strings');
  }
  if (t.workspace !== undefined && (typeof t.workspace !== 'string' || t.workspace === '')) {
    throw new UsageError('task.workspace must be a non-empty string');
  }
  if (t.params !== undefined && (typeof t.params !== 'object' || t.params === null || Array.isArray(t.params))) {
    throw new UsageError('task.params must be an object');
  }
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return {
    id: str(t.id),
    agent: str(t.agent),
    task: str(t.task),
    files: files as string[],
    ...(t.params ? { params: t.params as Record<string, unknown> } : {}),
    workspace: path.resolve(cwd, typeof t.workspace === 'string' ? t.workspace : '.'),
  };
}

/** workspace-relative, forward slashes; undefined when `abs` is outside the workspace */
function relativeTo(workspace: string, abs: string): string | undefined {
  const rel = path.relative(workspace, abs);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

type Ignore = (rel: string, isDir: boolean) => boolean;

/**
 * A matcher for the top-level .gitignore: comments, `!` negation (last match wins), trailing `/`
 * for directories, patterns with a slash anchored at the root, others matched on the basename.
 */
export function gitignoreMatcher(content: string): Ignore {
  const rules = content
    .split(/\r?\n/)
    .map((l) => l.replace(/(?<!\\)\s+$/, ''))
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      let p = negate ? line.slice(1) : line;
      const dirOnly = p.endsWith('/');
      if (dirOnly) p = p.slice(0, -1);
      const anchored = p.includes('/');
      if (p.startsWith('/')) p = p.slice(1);
      return { negate, dirOnly, anchored, match: picomatch(p, { dot: true }) };
    });
  return (rel, isDir) => {
    let ignored = false;
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    for (const r of rules) {
      if (r.dirOnly && !isDir) continue;
      if (r.match(r.anchored ? rel : base)) ignored = !r.negate;
    }
    return ignored;
  };
}

/** All scannable files under `dir` (workspace-relative), without following symlinks. */
async function walk(workspace: string, dir: string, ignore: Ignore, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    note(
      `cannot read directory ${relativeTo(workspace, dir) ?? '.'}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
    return;
  }
  const subdirs: string[] = [];
  for (const e of entries) {
    const abs = path.join(dir, e.name);
    const rel = relativeTo(workspace, abs);
    if (rel === undefined) continue;
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && !ignore(rel, true)) subdirs.push(abs);
    } else if (e.isFile() && !SKIP_FILES.has(e.name) && !BINARY_EXT.test(e.name) && !/\.min\.js$|\.map$/.test(e.name)) {
      if (!ignore(rel, false)) out.push(rel);
    }
  }
  await mapLimit(subdirs, PARALLEL_READS, (d) => walk(workspace, d, ignore, out));
}

/** The workspace-relative files a task asks for: its `files`, or the whole workspace. */
export async function collectFiles(task: AgentTask): Promise<string[]> {
  const ws = task.workspace;
  const st = await stat(ws).catch(() => undefined);
  if (!st?.isDirectory()) throw new UsageError(`the workspace ${ws} is not a directory`);
  const out: string[] = [];
  if (task.files.length === 0) {
    const gi = await readFile(path.join(ws, '.gitignore'), 'utf8').catch(() => '');
    await walk(ws, ws, gitignoreMatcher(gi), out);
  } else {
    for (const f of task.files) {
      const abs = path.resolve(ws, f);
      const rel = relativeTo(ws, abs);
      if (rel === undefined) {
        note(`skipped ${f}: outside the workspace`);
        continue;
      }
      const s = await stat(abs).catch(() => undefined);
      if (!s) note(`skipped ${rel}: not found`);
      else if (s.isDirectory()) await walk(ws, abs, () => false, out);
      else if (s.isFile()) out.push(rel);
    }
  }
  return [...new Set(out)].sort();
}

/** Reads and scans one file; undefined when skipped (too big, binary, unreadable). */
export async function scanFile(workspace: string, rel: string): Promise<SecretHit[] | undefined> {
  const abs = path.join(workspace, rel);
  try {
    const s = await stat(abs);
    if (s.size > MAX_FILE_BYTES) {
      note(`skipped ${rel}: larger than ${MAX_FILE_BYTES / 1024 / 1024} MB`);
      return undefined;
    }
    const buf = await readFile(abs);
    const keystore = keystoreHit(rel, buf);
    if (keystore) return [keystore];
    if (buf.subarray(0, 8192).includes(0)) return undefined; // binary: a NUL in the first 8 KB
    return scanText(buf.toString('utf8'), rel);
  } catch (err) {
    note(`skipped ${rel}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    return undefined;
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Notes go to stderr (the task's log); they name files, never contents. */
function note(msg: string): void {
  process.stderr.write(`secrets: ${msg}\n`);
}

/** Runs a parsed task: the SARIF log and the exit code (0 clean, 1 findings). */
export async function runTask(
  task: AgentTask,
): Promise<{ sarif: object; exitCode: 0 | 1; scanned: number; hits: number; ignored: number }> {
  const files = await collectFiles(task);
  const perFile = await mapLimit(files, PARALLEL_READS, (rel) => scanFile(task.workspace, rel));
  let hits = perFile.flatMap((h) => h ?? []);
  const notifications: SarifNotification[] = [];
  const ignoreText = await readFile(path.join(task.workspace, IGNORE_FILE), 'utf8').catch(() => undefined);
  let ignored = 0;
  if (ignoreText !== undefined) {
    const ignore = parseSecretsIgnore(ignoreText);
    const kept = hits.filter((h) => !ignore.ignores(h.file, h.ruleId));
    ignored = hits.length - kept.length;
    hits = kept;
    // a broken line is shown where it is (a finding on the ignore file), not only in the log
    for (const i of ignore.issues) {
      notifications.push({ file: IGNORE_FILE, line: i.line, column: i.column, message: i.message });
      note(`${IGNORE_FILE}:${i.line}:${i.column}: ${i.message}`);
    }
  }
  return {
    sarif: toSarif(hits, task.workspace, notifications),
    exitCode: hits.length > 0 ? 1 : 0,
    scanned: perFile.filter((h) => h !== undefined).length,
    hits: hits.length,
    ignored,
  };
}

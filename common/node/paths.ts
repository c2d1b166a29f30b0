// Where a workspace's host lives: a per-user 0700 runtime directory holding the socket, the token
// (0600) and the host info file, under a short hashed name so the socket path stays
// under the sun_path limit; and the workspace's own .agentic/ directory (journal, logs).
import { createHash } from 'node:crypto';
import { lstat, mkdir, realpath, chmod } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface HostPaths {
  workspace: string; // real path
  hash: string;
  runtimeDir: string;
  /** why runtimeDir is not the first choice ($XDG_RUNTIME_DIR too long for a socket path), if so */
  runtimeNote?: string;
  socket: string;
  token: string;
  info: string; // JSON: pid, startTime, socket, version, launchedBy, stopping?
  /**
   * Where the per-user secret the lock's abstract names derive from is kept (Linux), best first:
   * under the home directory, which does not depend on the environment (two hosts of one
   * workspace started with different XDG_RUNTIME_DIRs must still meet at one lock name); the
   * runtime dir when the home is not writable.
   */
  lockKeys: string[];
  lockFile: string; // lock file (other platforms)
  dataDir: string; // <workspace>/.agentic
  journal: string;
  logsDir: string;
  taskLogsDir: string;
  config: string;
}

export const CONFIG_FILE_NAME = 'agentic_config.yaml';

/**
 * sun_path holds 104 bytes on macOS and 108 on Linux, the NUL included. A longer path is not an
 * error to libuv: it binds a truncated one, outside the private directory. So the smaller limit.
 */
export const MAX_SOCKET_PATH_BYTES = 103;

export function uid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : 0;
}

/** The runtime directories to try, best first; the last one always leaves room for a socket. */
export function runtimeCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const own = `agentic-bg-${uid()}`;
  const out: string[] = [];
  if (env.XDG_RUNTIME_DIR) out.push(join(env.XDG_RUNTIME_DIR, 'agentic-bg'));
  // os.tmpdir() of the given environment, not necessarily of this process
  const tmp = env === process.env ? tmpdir() : (env.TMPDIR || env.TMP || env.TEMP || '/tmp').replace(/(.)\/+$/, '$1');
  out.push(join(tmp, own));
  if (!out.includes(join('/tmp', own))) out.push(join('/tmp', own));
  return out;
}

export function runtimeBase(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32') return '\\\\.\\pipe\\';
  return runtimeCandidates(env)[0]!;
}

export async function resolveWorkspace(dir: string): Promise<string> {
  return realpath(dir);
}

/** The first runtime directory whose socket path fits in sun_path, and why the others did not. */
export function pickRuntimeDir(
  candidates: string[],
  socketName: string,
): { dir: string; note?: string; socketPath: string } {
  const skipped: string[] = [];
  for (const dir of candidates) {
    const socketPath = join(dir, socketName);
    const n = Buffer.byteLength(socketPath);
    if (n <= MAX_SOCKET_PATH_BYTES) {
      return skipped.length ? { dir, socketPath, note: skipped.join('; ') } : { dir, socketPath };
    }
    skipped.push(`${socketPath} is ${n} bytes, over the ${MAX_SOCKET_PATH_BYTES}-byte limit of a socket path`);
  }
  // only a candidate list without /tmp gets here
  throw new Error(`no runtime directory leaves room for the socket: ${skipped.join('; ')}`);
}

/** From the password database, not $HOME: the same for every process of this user. */
function homeKey(): string[] {
  try {
    const home = userInfo().homedir;
    return home && home.startsWith('/') && home !== '/' ? [join(home, '.cache', 'agentic-bg', 'lock.key')] : [];
  } catch {
    return [];
  }
}

export function hostPaths(workspace: string, env: NodeJS.ProcessEnv = process.env): HostPaths {
  const hash = createHash('sha256').update(workspace).digest('hex').slice(0, 16);
  const dataDir = join(workspace, '.agentic');
  const logsDir = join(dataDir, 'logs');
  const picked =
    process.platform === 'win32'
      ? { dir: runtimeBase(env), socketPath: `\\\\.\\pipe\\agentic-bg-${uid()}-${hash}` }
      : pickRuntimeDir(runtimeCandidates(env), `${hash}.sock`);
  const runtimeDir = picked.dir;
  return {
    workspace,
    hash,
    runtimeDir,
    ...('note' in picked && picked.note ? { runtimeNote: picked.note } : {}),
    socket: picked.socketPath,
    token: join(runtimeDir, `${hash}.token`),
    info: join(runtimeDir, `${hash}.json`),
    lockKeys: [...homeKey(), join(runtimeDir, 'lock.key')],
    lockFile: join(runtimeDir, `${hash}.lock`),
    dataDir,
    journal: join(dataDir, 'queue.jsonl'),
    logsDir,
    taskLogsDir: join(logsDir, 'tasks'),
    config: join(workspace, CONFIG_FILE_NAME),
  };
}

/**
 * Creates the runtime directory with mode 0700 and refuses one that another user owns or that
 * others can enter: the token in it is the only thing between a local user and our agents.
 */
export async function ensureRuntimeDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  if (st.uid !== uid())
    throw new Error(`${dir} belongs to uid ${st.uid}, not to this user (${uid()}); refusing to use it`);
  if ((st.mode & 0o077) !== 0) await chmod(dir, 0o700);
}

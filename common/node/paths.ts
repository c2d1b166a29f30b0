// Where a workspace's host lives: a per-user 0700 runtime directory holding the socket, the token
// (0600) and the host info file, under a short hashed name so the socket path stays under the
// 104-byte sun_path limit; and the workspace's own .agentic/ directory (journal, logs).
import { createHash } from 'node:crypto';
import { lstat, mkdir, realpath, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HostPaths {
  workspace: string; // real path
  hash: string;
  runtimeDir: string;
  socket: string;
  token: string;
  info: string; // JSON: pid, startTime, socket, version, launchedBy
  lockName: string; // abstract socket name used as the exclusive lock (Linux)
  lockFile: string; // fallback lock file (other platforms)
  dataDir: string; // <workspace>/.agentic
  journal: string;
  logsDir: string;
  taskLogsDir: string;
  config: string;
}

export const CONFIG_FILE_NAME = 'agentic_config.yaml';

function uid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : 0;
}

export function runtimeBase(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32') return '\\\\.\\pipe\\';
  const xdg = env.XDG_RUNTIME_DIR;
  return xdg ? join(xdg, 'agentic-bg') : join(tmpdir(), `agentic-bg-${uid()}`);
}

export async function resolveWorkspace(dir: string): Promise<string> {
  return realpath(dir);
}

export function hostPaths(workspace: string, env: NodeJS.ProcessEnv = process.env): HostPaths {
  const hash = createHash('sha256').update(workspace).digest('hex').slice(0, 16);
  const runtimeDir = runtimeBase(env);
  const dataDir = join(workspace, '.agentic');
  const logsDir = join(dataDir, 'logs');
  const socket =
    process.platform === 'win32' ? `\\\\.\\pipe\\agentic-bg-${uid()}-${hash}` : join(runtimeDir, `${hash}.sock`);
  return {
    workspace,
    hash,
    runtimeDir,
    socket,
    token: join(runtimeDir, `${hash}.token`),
    info: join(runtimeDir, `${hash}.json`),
    lockName: `\0agentic-bg-${uid()}-${hash}`,
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

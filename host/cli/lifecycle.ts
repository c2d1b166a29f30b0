// `agentic-bg start` and `stop`: launching a detached host (or attaching to the running one) and
// stopping it gracefully, waiting until its process is really gone.
import { spawn } from 'node:child_process';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HOST_NODE_FLAGS } from '../../common/hostProcess';
import { ResponseError } from 'vscode-jsonrpc/node';
import * as P from '../../common/protocol';
import { connectHost, HostNotRunningError, type HostConnection } from '../../common/node/connect';
import { pidAlive } from '../daemon/lock';
import { procEnv, procStartTime } from '../agents/processTree';
import { hostPaths, type HostPaths } from '../../common/node/paths';
import { Exit } from './args';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function tryConnect(paths: HostPaths): Promise<HostConnection | undefined> {
  try {
    return await connectHost(paths, 'cli');
  } catch (err) {
    if (err instanceof HostNotRunningError) return undefined;
    throw err;
  }
}

/** The running host's connection, or exit 3 (no host) naming the workspace. */
export async function attached(paths: HostPaths): Promise<HostConnection> {
  const conn = await tryConnect(paths);
  if (!conn) throw new Exit(3, `no host is running for ${paths.workspace}; start one with: agentic-bg start`);
  return conn;
}

export interface StartResult {
  conn: HostConnection;
  started: boolean;
}

/** A host that has begun a graceful stop: its socket is gone, its process and lock are not yet. */
export interface StoppingHost {
  pid: number;
  /** when it will surely be gone: its drain timeout, then SIGTERM → grace → SIGKILL of its agents */
  deadline: number;
}

const STOP_GRACE_MS = 20_000;

/** The host that holds the lock while it drains, from the info file it rewrites as it stops. */
export async function stoppingHost(paths: HostPaths): Promise<StoppingHost | undefined> {
  let info: { pid?: number; startTime?: string; stopping?: { since?: string; drainTimeoutMs?: number } };
  try {
    info = JSON.parse(await readFile(paths.info, 'utf8')) as typeof info;
  } catch {
    return undefined;
  }
  if (!info.stopping || typeof info.pid !== 'number' || !pidAlive(info.pid)) return undefined;
  // a reused pid is not that host
  if (info.startTime !== undefined && (await procStartTime(info.pid)) !== info.startTime) return undefined;
  const since = Date.parse(info.stopping.since ?? '') || Date.now();
  return { pid: info.pid, deadline: since + (info.stopping.drainTimeoutMs ?? 10_000) + STOP_GRACE_MS };
}

/** Waits for a stopping host's process to exit (its lock goes with it). */
async function awaitStopped(h: StoppingHost, say: (msg: string) => void): Promise<void> {
  say(`waiting for the host (pid ${h.pid}) to finish stopping: it is draining its running tasks`);
  while (pidAlive(h.pid)) {
    if (Date.now() > h.deadline)
      throw new Error(`the host (pid ${h.pid}) is still stopping after its drain timeout; kill it or try again later`);
    await sleep(50);
  }
}

/**
 * Starts a detached host unless one answers already. N concurrent starts give one host: the
 * others' hosts lose the lock and exit, and every caller attaches to the winner. A host still
 * draining after a `stop` holds the lock without a socket: we wait for it to go, then start.
 */
export async function startHost(
  paths: HostPaths,
  opts: { mode?: string; watch?: boolean; timeoutMs?: number; say?: (msg: string) => void } = {},
): Promise<StartResult> {
  const say = opts.say ?? (() => undefined);
  // a host that refuses hello because it is shutting down is the stopping one: wait for it below
  const attach = () =>
    tryConnect(paths).catch((err: unknown) => {
      if (err instanceof ResponseError && err.code === P.ErrorCodes.ShuttingDown) return undefined;
      throw err;
    });
  const existing = await attach();
  if (existing) return { conn: existing, started: false };
  const before = await stoppingHost(paths);
  if (before) await awaitStopped(before, say);
  await mkdir(paths.logsDir, { recursive: true, mode: 0o700 });
  const outFile = join(paths.logsDir, 'host.out');
  let child = await spawnHost(paths, outFile, opts.mode, opts.watch);
  const timeoutMs = opts.timeoutMs ?? 15_000;
  let deadline = Date.now() + timeoutMs;
  let lostAt: number | undefined;
  while (Date.now() < deadline) {
    const conn = await attach();
    if (conn) return { conn, started: conn.hello.pid === child.pid };
    if (child.exited !== undefined && child.exited !== 0) {
      const tail = (await readFile(outFile, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n');
      throw new Error(`the host exited with code ${child.exited} before it was ready:\n${tail}`);
    }
    if (child.exited === 0) {
      // ours lost the lock: to a host starting now (it answers soon), or to one stopping now,
      // or to one whose socket is somewhere else
      const stopping = await stoppingHost(paths);
      if (stopping) {
        await awaitStopped(stopping, say);
        child = await spawnHost(paths, outFile, opts.mode, opts.watch);
        deadline = Date.now() + timeoutMs;
        continue;
      }
      lostAt ??= Date.now();
      if (Date.now() - lostAt > ELSEWHERE_AFTER_MS) {
        const other = await hostElsewhere(paths, outFile);
        if (other) throw new Error(other);
      }
    }
    await sleep(child.exited === 0 ? 100 : 30);
  }
  throw new Error(`the host did not answer within ${Math.round(timeoutMs / 1000)}s; see ${outFile}`);
}

/** a host that won the lock but has not answered by then is looked for elsewhere */
const ELSEWHERE_AFTER_MS = 2000;

/**
 * The lock is per user and workspace, the socket per runtime dir: a host started with another
 * XDG_RUNTIME_DIR or TMPDIR holds the lock with its socket out of our sight. Our host's last words
 * (main.ts: "already running for W (pid N; …)") name it; its environment says where it listens.
 */
async function hostElsewhere(paths: HostPaths, outFile: string): Promise<string | undefined> {
  const text = await readFile(outFile, 'utf8').catch(() => '');
  const lines = text.trimEnd().split('\n').slice(-20).reverse();
  const pid = Number(lines.map((l) => /^already running for .* \(pid (\d+);/.exec(l)?.[1]).find(Boolean));
  if (!pid || !pidAlive(pid)) return undefined;
  const env: NodeJS.ProcessEnv = {};
  for (const k of ['XDG_RUNTIME_DIR', 'TMPDIR'] as const) {
    const v = await procEnv(pid, k);
    if (v !== undefined) env[k] = v;
  }
  const theirs = hostPaths(paths.workspace, env).socket;
  if (theirs === paths.socket) return undefined;
  const where = Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return (
    `a host (pid ${pid}) already runs for ${paths.workspace}, listening on ${theirs}: it was started with ` +
    `another runtime dir (${where || 'neither XDG_RUNTIME_DIR nor TMPDIR set'}). Run agentic-bg with the same ` +
    `XDG_RUNTIME_DIR and TMPDIR, or stop that host (kill ${pid})`
  );
}

async function spawnHost(
  paths: HostPaths,
  outFile: string,
  mode: string | undefined,
  watch = false,
): Promise<{ pid: number | undefined; exited: number | null | undefined }> {
  const out = await open(outFile, 'a', 0o600);
  const args = [...HOST_NODE_FLAGS, join(__dirname, 'host.js'), '--workspace', paths.workspace, '--launched-by', 'cli'];
  if (mode) args.push('--mode', mode);
  if (watch) args.push('--watch');
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', out.fd, out.fd],
    cwd: paths.workspace,
  });
  await out.close();
  const h: { pid: number | undefined; exited: number | null | undefined } = { pid: child.pid, exited: undefined };
  child.on('exit', (code) => (h.exited = code));
  child.unref();
  return h;
}

/** Asks the host to stop and waits until its process has exited. */
export async function stopHost(conn: HostConnection, drainTimeoutMs: number): Promise<number> {
  const pid = conn.hello.pid;
  await conn.request(P.ShutdownRequest.type, { drainTimeoutMs, reason: 'agentic-bg stop' }).catch(() => undefined);
  conn.close();
  const deadline = Date.now() + drainTimeoutMs + 15_000;
  while (pidAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`host pid ${pid} did not exit`);
    await sleep(25);
  }
  return pid;
}

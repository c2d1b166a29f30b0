// `agentic-bg start` and `stop`: launching a detached host (or attaching to the running one) and
// stopping it gracefully, waiting until its process is really gone.
import { spawn } from 'node:child_process';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HOST_NODE_FLAGS } from '../../common/hostProcess';
import * as P from '../../common/protocol';
import { connectHost, HostNotRunningError, type HostConnection } from '../../common/node/connect';
import { pidAlive } from '../daemon/lock';
import type { HostPaths } from '../../common/node/paths';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function tryConnect(paths: HostPaths): Promise<HostConnection | undefined> {
  try {
    return await connectHost(paths, 'cli');
  } catch (err) {
    if (err instanceof HostNotRunningError) return undefined;
    throw err;
  }
}

export interface StartResult {
  conn: HostConnection;
  started: boolean;
}

/**
 * Starts a detached host unless one answers already. N concurrent starts give one host: the
 * others' hosts lose the lock and exit, and every caller attaches to the winner.
 */
export async function startHost(
  paths: HostPaths,
  opts: { mode?: string; watch?: boolean; timeoutMs?: number } = {},
): Promise<StartResult> {
  const existing = await tryConnect(paths);
  if (existing) return { conn: existing, started: false };
  await mkdir(paths.logsDir, { recursive: true });
  const outFile = join(paths.logsDir, 'host.out');
  const out = await open(outFile, 'a');
  const args = [...HOST_NODE_FLAGS, join(__dirname, 'host.js'), '--workspace', paths.workspace, '--launched-by', 'cli'];
  if (opts.mode) args.push('--mode', opts.mode);
  if (opts.watch) args.push('--watch');
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', out.fd, out.fd],
    cwd: paths.workspace,
  });
  await out.close();
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.unref();
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    const conn = await tryConnect(paths);
    if (conn) return { conn, started: conn.hello.pid === child.pid };
    if (exited !== undefined && exited !== 0) {
      const tail = (await readFile(outFile, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n');
      throw new Error(`the host exited with code ${exited} before it was ready:\n${tail}`);
    }
    await sleep(exited === 0 ? 100 : 30);
  }
  throw new Error(`the host did not answer within ${Math.round((opts.timeoutMs ?? 15_000) / 1000)}s; see ${outFile}`);
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

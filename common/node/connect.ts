// Attaching to a workspace's host: check that the runtime dir and what is in it are this user's,
// read the token beside the socket, connect, say hello. Used by the CLI, the extension
// (src/hostClient.ts) and tests.
import { lstat, readFile } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import {
  createMessageConnection,
  ErrorCodes as RpcErrorCodes,
  ResponseError,
  SocketMessageReader,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import * as P from '../protocol';
import type { NotificationDef, RequestDef } from '../protocol';
import { uid, type HostPaths } from './paths';
import { FramedMessageWriter } from './framedWriter';

export class HostNotRunningError extends Error {
  constructor(
    readonly workspace: string,
    detail: string,
  ) {
    super(`no host is running for ${workspace} (${detail})`);
  }
}

/**
 * The runtime dir, the socket or the token is not this user's: whoever answers there may be
 * another local user posing as the host, so nothing (not even the token) is sent to it.
 */
export class UnsafeRuntimeDirError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(
      `refusing to connect: ${path} ${problem}; another user could be posing as the host. ` +
        `Remove it, or set XDG_RUNTIME_DIR to a private directory`,
    );
  }
}

/** The host runs but cannot take the connection: its listen backlog is full, or it hung up at once. */
export class HostBusyError extends Error {
  constructor(
    readonly workspace: string,
    detail: string,
  ) {
    super(`the host for ${workspace} is running but not taking connections (${detail}); try again`);
  }
}

export class HostConnection {
  constructor(
    readonly conn: MessageConnection,
    readonly socket: Socket,
    readonly hello: P.HelloRequest.Result,
  ) {}

  request<Par, R>(def: RequestDef<Par, R>, params: Par): Promise<R> {
    return this.conn.sendRequest(def.method, params) as Promise<R>;
  }
  /** Sends a notification; resolves once it is written (there is no answer). */
  notify<Par>(def: NotificationDef<Par>, params: Par): Promise<void> {
    return this.conn.sendNotification(def.method, params);
  }
  onNotification<Par>(def: NotificationDef<Par>, fn: (p: Par) => void): void {
    this.conn.onNotification(def.method, fn);
  }
  onClose(fn: () => void): void {
    this.conn.onClose(fn);
  }
  close(): void {
    this.conn.dispose();
    this.socket.destroy();
  }
}

function openSocket(path: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect(path);
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('connect timed out'));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

const CONNECTION_LOST = new Set<number>([
  RpcErrorCodes.MessageWriteError,
  RpcErrorCodes.MessageReadError,
  RpcErrorCodes.PendingResponseRejected,
  RpcErrorCodes.ConnectionInactive,
]);

const mode = (m: number) => `0${(m & 0o777).toString(8)}`;

/**
 * The checks the host makes of its runtime dir (paths.ts ensureRuntimeDir), made by the client
 * before it sends anything: with XDG_RUNTIME_DIR unset the dir is under a shared /tmp, where
 * another user can create it first. Returns false when something is missing (no host).
 */
export async function checkRuntimeDir(paths: HostPaths): Promise<boolean> {
  if (process.platform === 'win32') return true;
  const me = uid();
  const stat = (p: string) =>
    lstat(p).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
  const dir = await stat(paths.runtimeDir);
  if (!dir) return false;
  if (!dir.isDirectory()) throw new UnsafeRuntimeDirError(paths.runtimeDir, 'is not a directory');
  if (dir.uid !== me)
    throw new UnsafeRuntimeDirError(paths.runtimeDir, `belongs to uid ${dir.uid}, not to you (${me})`);
  if ((dir.mode & 0o077) !== 0)
    throw new UnsafeRuntimeDirError(
      paths.runtimeDir,
      `has mode ${mode(dir.mode)}: others may enter it; it must be 0700`,
    );
  for (const [p, kind, ok] of [
    [paths.socket, 'a socket', (s: import('node:fs').Stats) => s.isSocket()],
    [paths.token, 'a regular file', (s: import('node:fs').Stats) => s.isFile()],
  ] as const) {
    const st = await stat(p);
    if (!st) return false;
    if (!ok(st)) throw new UnsafeRuntimeDirError(p, `is not ${kind}`);
    if (st.uid !== me) throw new UnsafeRuntimeDirError(p, `belongs to uid ${st.uid}, not to you (${me})`);
  }
  return true;
}

/**
 * Connects and authenticates. Throws HostNotRunningError when nobody answers, HostBusyError when
 * a host is there but cannot take the connection, UnsafeRuntimeDirError when the place is not ours.
 */
export async function connectHost(paths: HostPaths, client: string, timeoutMs = 3000): Promise<HostConnection> {
  if (!(await checkRuntimeDir(paths))) throw new HostNotRunningError(paths.workspace, 'no socket or token');
  let token: string;
  try {
    token = (await readFile(paths.token, 'utf8')).trim();
  } catch {
    throw new HostNotRunningError(paths.workspace, 'no token file');
  }
  let socket: Socket;
  try {
    socket = await openSocket(paths.socket, timeoutMs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // a full listen backlog: the kernel refuses a non-blocking connect with EAGAIN
    if (code === 'EAGAIN') throw new HostBusyError(paths.workspace, `its listen backlog at ${paths.socket} is full`);
    throw new HostNotRunningError(paths.workspace, code ?? (err as Error).message);
  }
  // one write per request (framedWriter.ts), so the host reads it in one wake-up
  const conn = createMessageConnection(new SocketMessageReader(socket), new FramedMessageWriter(socket, true, true));
  // when the host goes away, pending requests must fail rather than hang forever
  conn.onClose(() => conn.dispose());
  conn.listen();
  try {
    const hello = (await conn.sendRequest(P.HelloRequest.type.method, {
      protocolVersion: P.PROTOCOL_VERSION,
      token,
      client,
    } satisfies P.HelloRequest.Params)) as P.HelloRequest.Result;
    return new HostConnection(conn, socket, hello);
  } catch (err) {
    conn.dispose();
    socket.destroy();
    // not an answer of the host's but the connection failing under us: it hung up (its caps)
    if (!(err instanceof ResponseError) || CONNECTION_LOST.has(err.code))
      throw new HostBusyError(paths.workspace, 'it closed the connection before answering host/hello');
    throw err;
  }
}

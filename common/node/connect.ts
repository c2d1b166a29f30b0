// Attaching to a workspace's host: read the token beside the socket, connect, say hello.
// Used by the CLI, the extension (src/hostClient.ts) and tests.
import { readFile } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { createMessageConnection, SocketMessageReader, type MessageConnection } from 'vscode-jsonrpc/node';
import * as P from '../protocol';
import type { NotificationDef, RequestDef } from '../protocol';
import type { HostPaths } from './paths';
import { FramedMessageWriter } from './framedWriter';

export class HostNotRunningError extends Error {
  constructor(
    readonly workspace: string,
    detail: string,
  ) {
    super(`no host is running for ${workspace} (${detail})`);
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

/** Connects and authenticates; throws HostNotRunningError when nobody answers. */
export async function connectHost(paths: HostPaths, client: string, timeoutMs = 3000): Promise<HostConnection> {
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
    throw new HostNotRunningError(paths.workspace, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
  }
  // one write per request (framedWriter.ts), so the host reads it in one wake-up
  const conn = createMessageConnection(new SocketMessageReader(socket), new FramedMessageWriter(socket, true));
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
    throw err;
  }
}

// One folder's connection to its host: find the running one (socket + token from hostPaths), or
// launch one with VS Code's own Node, attach, and reconnect with backoff when it goes away. A host
// the user stopped is never launched again by us; we only attach if someone else starts it.
// Nothing here blocks the extension host: every step is async and no caller awaits agent work.
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import { connectHost, HostNotRunningError, type HostConnection } from '../common/node/connect';
import type { HostPaths } from '../common/node/paths';
import { HOST_NODE_FLAGS } from '../common/hostProcess';
import type { NotificationDef, RequestDef } from '../common/protocol';
import { ShutdownRequest } from '../common/protocol';
import { reconnectDelayMs, STOPPED_POLL_MS } from './backoff';
import type { Log } from './log';
import { errorText } from './log';
import type { ConnState } from './statusModel';

export class HostDownError extends Error {
  constructor(readonly folder: string) {
    super(`the Agentic Background host for "${folder}" is not running`);
  }
}

export interface HostClientDeps {
  log: Log;
  /** dist/host.js of this extension */
  hostScript: string;
  /** launch a host when none answers? (autoStart on, not stopped by the user) */
  mayLaunch(): boolean;
  /** --restricted or --require-approval, decided by Workspace Trust at launch time */
  launchFlags(): string[];
  /** a connection was made: bind its notifications (they die with it) */
  attached(conn: HostConnection): void;
  detached(): void;
}

const LAUNCH_WAIT_MS = 20_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class HostClient implements vscode.Disposable {
  private _state: ConnState = 'connecting';
  private _conn: HostConnection | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private cycling = false;
  private disposed = false;
  private closeWaiters: Array<() => void> = [];
  /** the user asked to start: launch on the next cycle even with autoStart off */
  private launchRequested = false;
  lastError: string | undefined;
  private readonly stateEmitter = new vscode.EventEmitter<ConnState>();
  readonly onDidChangeState = this.stateEmitter.event;

  constructor(
    readonly name: string,
    readonly paths: HostPaths,
    private readonly deps: HostClientDeps,
  ) {}

  get state(): ConnState {
    return this._state;
  }
  get conn(): HostConnection | undefined {
    return this._conn;
  }

  private setState(s: ConnState): void {
    if (s === this._state) return;
    this._state = s;
    this.stateEmitter.fire(s);
  }

  /** Starts (or restarts now) the find / launch / attach cycle. Returns at once. */
  kick(opts: { launch?: boolean } = {}): void {
    if (opts.launch) this.launchRequested = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.cycle().catch((err) => this.deps.log.error(`[${this.name}] connecting to the host failed`, err));
  }

  private schedule(ms: number): void {
    if (this.disposed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), ms);
  }

  private async cycle(): Promise<void> {
    if (this.cycling || this.disposed || this._conn) return;
    this.cycling = true;
    try {
      let conn = await this.tryConnect();
      // launch only when nobody is there: not past a busy host, nor into a runtime dir not ours
      const nobody = conn === undefined && this.lastError === undefined;
      if (nobody && (this.launchRequested || this.deps.mayLaunch()) && !this.disposed) {
        this.setState('connecting');
        conn = await this.launchAndAttach();
      }
      this.launchRequested = false;
      if (this.disposed) return conn?.close();
      if (conn) return this.adopt(conn);
      if (!this.deps.mayLaunch()) {
        this.setState('stopped');
        this.schedule(STOPPED_POLL_MS); // attach only, if the CLI or another window starts it
      } else {
        this.setState('down');
        this.schedule(reconnectDelayMs(this.attempt++));
      }
    } finally {
      this.cycling = false;
    }
  }

  /** The connection, or undefined with lastError saying why when something other than "no host" failed. */
  private async tryConnect(): Promise<HostConnection | undefined> {
    try {
      return await connectHost(this.paths, 'vscode', 2000);
    } catch (err) {
      // UnsafeRuntimeDirError, HostBusyError (common/node/connect.ts) or a refused hello: say so
      this.lastError = err instanceof HostNotRunningError ? undefined : errorText(err);
      if (this.lastError) this.deps.log.warn(`[${this.name}] ${this.lastError}`);
      return undefined;
    }
  }

  private async launchAndAttach(): Promise<HostConnection | undefined> {
    const args = [
      ...HOST_NODE_FLAGS,
      this.deps.hostScript,
      '--workspace',
      this.paths.workspace,
      '--launched-by',
      'extension',
      ...this.deps.launchFlags(),
    ];
    this.deps.log.info(`[${this.name}] launching the host: ${args.slice(HOST_NODE_FLAGS.length + 1).join(' ')}`);
    let exited: string | number | undefined;
    try {
      // VS Code's own Node (Electron as Node): no Node install needed on the user's machine
      const child = spawn(process.execPath, args, {
        cwd: this.paths.workspace,
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        detached: true,
        stdio: 'ignore',
      });
      child.once('error', (err) => (exited = err.message));
      child.once('exit', (code, signal) => (exited = code ?? signal ?? 'killed'));
      child.unref();
    } catch (err) {
      this.lastError = `could not launch the host: ${errorText(err)}`;
      return undefined;
    }
    const deadline = Date.now() + LAUNCH_WAIT_MS;
    for (let wait = 50; Date.now() < deadline && !this.disposed; wait = Math.min(wait * 2, 500)) {
      await sleep(wait);
      const conn = await this.tryConnect();
      if (conn) return conn;
      // exit 0 means another host won the lock: keep trying to attach to it
      if (exited !== undefined && exited !== 0) {
        this.lastError = `the host exited (${exited}) before it answered; see ${this.paths.logsDir}/host.log`;
        return undefined;
      }
    }
    this.lastError ??= 'the host did not answer in time';
    return undefined;
  }

  private adopt(conn: HostConnection): void {
    this._conn = conn;
    this.attempt = 0;
    this.lastError = undefined;
    conn.onClose(() => this.closed(conn));
    this.deps.log.info(`[${this.name}] attached to host pid ${conn.hello.pid} (${conn.hello.socket})`);
    this.deps.attached(conn);
    this.setState('connected');
  }

  private closed(conn: HostConnection): void {
    if (this._conn !== conn) return;
    this._conn = undefined;
    this.deps.detached();
    for (const w of this.closeWaiters.splice(0)) w();
    if (this.disposed) return;
    this.deps.log.info(`[${this.name}] the host connection closed`);
    this.setState(this.deps.mayLaunch() ? 'down' : 'stopped');
    // a crash: come back quickly (relaunch if allowed); a deliberate stop: poll only
    this.schedule(this.deps.mayLaunch() ? reconnectDelayMs(this.attempt++) : STOPPED_POLL_MS);
  }

  /** Typed request; throws HostDownError when not attached. */
  request<P, R>(def: RequestDef<P, R>, params: P): Promise<R> {
    if (!this._conn) return Promise.reject(new HostDownError(this.name));
    return this._conn.request(def, params);
  }

  /** Typed notification; throws HostDownError when not attached. */
  notify<P>(def: NotificationDef<P>, params: P): Promise<void> {
    if (!this._conn) return Promise.reject(new HostDownError(this.name));
    return this._conn.notify(def, params);
  }

  onNotification<P>(conn: HostConnection, def: NotificationDef<P>, fn: (p: P) => void): void {
    conn.onNotification(def, fn);
  }

  /** Graceful stop of the host; resolves once our connection to it has closed. */
  async shutdown(reason: string): Promise<void> {
    const conn = this._conn;
    if (!conn) return;
    const closed = new Promise<void>((r) => this.closeWaiters.push(r));
    await conn.request(ShutdownRequest.type, { reason, drainTimeoutMs: 5000 });
    await Promise.race([closed, sleep(20_000)]);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this._conn?.close();
    this._conn = undefined;
    this.stateEmitter.dispose();
  }
}

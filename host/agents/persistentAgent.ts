// One process of a persistent agent: spawned in its own process group at lowered
// priority and recorded with the watchdog, spoken to with JSON-RPC (vscode-jsonrpc framing, through
// the host's own lean endpoint, common/node/rpcChannel.ts) on stdin/stdout, its stderr split into lines for the agent log. Counts as ready only once it has
// answered `agent/initialize`; watches heartbeats when the agent promised them. It never restarts
// itself: it reports how it ended (`exited`) and the supervisor decides.
// See README: Persistent agents and supervision.
import { spawn, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { ErrorCodes, ResponseError } from 'vscode-jsonrpc/node';
import type { Logger } from '../logger';
import { RpcChannel } from '../../common/node/rpcChannel';
import { AGENT_PROTOCOL_VERSION, AgentMethods, type InitializeResult, type ProgressParams } from '../sdk/agentProtocol';
import { terminateGroup } from './oneShot';
import { groupAlive, groupHasLiveMembers } from './processTree';
import type { Watchdog } from './watchdog';

export interface AgentProcessOptions {
  id: string;
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  nice: number;
  workspace: string;
  startTimeoutMs: number;
  /** SIGTERM → this grace → SIGKILL */
  killGraceMs: number;
  logger: Logger;
  watchdog?: Watchdog;
  onStderrLine(pid: number, line: string): void;
  onProgress(p: ProgressParams): void;
  /**
   * Called right before the group is signalled to end, so that a CPU throttler lets go of it
   * first (monitor.release): a group SIGSTOPped again during the grace could not act on SIGTERM.
   */
  beforeKill?(pid: number): void;
}

/** How a process ended. `why` is what the host saw; `code`/`signal` are what the kernel said. */
export interface ExitInfo {
  why: 'exited' | 'spawn_error' | 'start_timeout' | 'hung' | 'protocol' | 'memory_limit' | 'stopped';
  code: number | null;
  signal: string | null;
  detail: string;
  /** it had answered agent/initialize */
  wasReady: boolean;
  at: number;
}

const HEARTBEAT_TOLERANCE = 3; // missed beats before the agent counts as hung

/** one request to the agent: settles with its answer, or rejects with the ExitInfo if it died */
export interface AgentCall<R> {
  promise: Promise<R>;
  /** `$/cancelRequest` for it */
  cancel(): void;
}

export class AgentProcess {
  pid: number | undefined;
  state: 'starting' | 'ready' | 'stopping' | 'exited' = 'starting';
  info: InitializeResult | undefined;
  readonly exited: Promise<ExitInfo>;
  private resolveExited!: (e: ExitInfo) => void;
  private child: ChildProcess | undefined;
  private conn: RpcChannel | undefined;
  private killedFor: { why: ExitInfo['why']; detail: string } | undefined;
  private lastSeen = Date.now();
  private beatTimer: NodeJS.Timeout | undefined;
  private closed: Promise<void> = Promise.resolve();

  constructor(private readonly o: AgentProcessOptions) {
    this.exited = new Promise((r) => (this.resolveExited = r));
  }

  /** Spawns and performs the handshake. Rejects (with the ExitInfo) when the start failed. */
  async start(): Promise<InitializeResult> {
    const [command, ...args] = this.o.argv;
    if (!command) return this.fail('spawn_error', 'empty command');
    let child: ChildProcess;
    try {
      // detached: setsid(), so the agent and everything it starts form one group we can kill whole
      child = spawn(command, args, {
        cwd: this.o.cwd,
        env: this.o.env,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (err) {
      return this.fail('spawn_error', `spawn failed: ${(err as Error).message}`);
    }
    this.child = child;
    child.on('error', () => undefined); // reported through pid === undefined / 'exit'
    if (child.pid === undefined) {
      const err = await new Promise<NodeJS.ErrnoException>((r) => child.once('error', r));
      const detail =
        err.code === 'ENOENT'
          ? `command not found: ${command} (or no directory ${this.o.cwd})`
          : err.code === 'EACCES'
            ? `permission denied: ${command}`
            : `spawn failed: ${err.message}`;
      return this.fail('spawn_error', detail);
    }
    const pid = (this.pid = child.pid);
    try {
      if (this.o.nice) setPriority(pid, this.o.nice);
    } catch {
      // e.g. the process already exited: its exit is reported below
    }
    this.o.watchdog?.track(pid);
    this.wireStderr(child, pid);
    child.stdin!.on('error', () => undefined); // EPIPE once it died: 'exit' reports that
    const conn = new RpcChannel(child.stdout!, child.stdin!, {
      // any message (an answer, a heartbeat, progress) is proof of life
      onActivity: () => (this.lastSeen = Date.now()),
      onNotification: (method, params) => {
        const p = params as ProgressParams | undefined;
        if (method === AgentMethods.progress && p && typeof p.taskId === 'string') this.o.onProgress(p);
      },
      // a broken frame: the agent printed to stdout (write errors are EPIPE, reported by the exit)
      onError: (err) => {
        if (this.state !== 'exited')
          this.kill(
            'protocol',
            `protocol error on stdout: ${err.message} (stdout is reserved for JSON-RPC; log to stderr)`,
          );
      },
    });
    this.conn = conn;
    this.closed = new Promise((r) => child.once('close', () => r()));
    child.once('exit', (code, signal) => void this.onExit(pid, code, signal));

    const startTimer = setTimeout(
      () => this.kill('start_timeout', `no answer to agent/initialize within ${fmtMs(this.o.startTimeoutMs)}`),
      this.o.startTimeoutMs,
    );
    try {
      const init = (await Promise.race([
        conn.request(AgentMethods.initialize, {
          protocolVersion: AGENT_PROTOCOL_VERSION,
          agent: this.o.id,
          workspace: this.o.workspace,
        }).promise,
        this.exited.then((e) => Promise.reject(e)),
      ])) as InitializeResult | null;
      clearTimeout(startTimer);
      if (!init || typeof init !== 'object' || typeof init.name !== 'string') {
        this.kill('protocol', 'agent/initialize must answer { name, version?, capabilities? }');
        throw await this.exited;
      }
      if (this.state !== 'starting') throw await this.exited;
      this.info = init;
      this.state = 'ready';
      this.watchHeartbeats(init.capabilities?.heartbeatMs);
      return init;
    } catch (err) {
      clearTimeout(startTimer);
      if (isExitInfo(err)) throw err;
      // the agent answered initialize with an error: a failed start, with its message
      this.kill('protocol', `agent/initialize failed: ${(err as Error).message}`);
      throw await this.exited;
    }
  }

  /**
   * Sends a request; rejects with the ExitInfo if the process ends first (its exit disposes the
   * channel, which rejects what is pending).
   */
  request<R>(method: string, params: unknown): AgentCall<R> {
    const conn = this.conn;
    if (!conn || this.state === 'exited')
      return { promise: this.exited.then((e) => Promise.reject(e)), cancel: () => undefined };
    const call = conn.request<R>(method, params);
    const promise = call.promise.catch((err: unknown): Promise<R> => {
      // the connection broke because the process is going: report how it went, not the pipe
      if (this.state === 'ready' && !isConnectionError(err)) throw err;
      return this.exited.then((e) => Promise.reject(e));
    });
    return { promise, cancel: () => conn.cancel(call.id) };
  }

  /** Kills the whole group now (hung, protocol error, start timeout). `exited` reports `why`. */
  /** graceMs: a shorter SIGTERM → SIGKILL grace than killGraceMs (a memory kill's) */
  kill(why: ExitInfo['why'], detail: string, graceMs?: number): void {
    if (this.state === 'exited' || this.killedFor) return;
    this.killedFor = { why, detail };
    this.killGrace = graceMs;
    this.state = 'stopping';
    if (this.pid !== undefined) void this.terminate(this.pid);
  }

  /**
   * Graceful stop: `agent/shutdown` (if it is ready), close stdin, wait up to `graceMs`, then
   * SIGTERM → grace → SIGKILL the group. Resolves when the group is gone.
   */
  async stop(graceMs: number): Promise<ExitInfo> {
    if (this.state === 'exited' || this.pid === undefined) return this.exited;
    const wasReady = this.state === 'ready';
    this.killedFor ??= { why: 'stopped', detail: 'stopped by the host' };
    this.state = 'stopping';
    const deadline = Date.now() + graceMs;
    if (wasReady && this.conn) {
      const answered = this.conn.request(AgentMethods.shutdown, {}).promise.catch(() => undefined);
      await within(Promise.race([answered, this.exited]), graceMs / 2);
    }
    this.child?.stdin?.end();
    const left = Math.max(0, deadline - Date.now());
    const e = await within(this.exited, left);
    if (e) return e;
    await this.terminate(this.pid);
    return this.exited;
  }

  private terminate(pid: number, graceMs = this.killGraceMs): Promise<void> {
    if (!groupAlive(pid)) return Promise.resolve(); // nothing left to signal, nothing to release
    try {
      this.o.beforeKill?.(pid);
    } catch {
      // the kill must happen whatever the caller's bookkeeping does
    }
    return terminateGroup(pid, graceMs);
  }

  /** a memory kill's shorter grace holds for the whole kill, the reap after the leader's exit too */
  private get killGraceMs(): number {
    const g = this.killGrace;
    return g === undefined ? this.o.killGraceMs : Math.min(g, this.o.killGraceMs);
  }
  private killGrace: number | undefined;

  private watchHeartbeats(ms: number | undefined): void {
    if (typeof ms !== 'number' || !(ms > 0)) return;
    this.lastSeen = Date.now();
    const limit = ms * HEARTBEAT_TOLERANCE;
    this.beatTimer = setInterval(
      () => {
        const silent = Date.now() - this.lastSeen;
        if (silent > limit) this.kill('hung', `no heartbeat for ${fmtMs(silent)} (it promised one every ${fmtMs(ms)})`);
      },
      Math.max(10, Math.min(ms, 1000)),
    );
    this.beatTimer.unref();
  }

  private wireStderr(child: ChildProcess, pid: number): void {
    const dec = new StringDecoder('utf8');
    let carry = '';
    const emit = (text: string) => {
      const all = carry + text;
      const lines = all.split('\n');
      carry = lines.pop() ?? '';
      if (carry.length > 64 * 1024) (lines.push(carry), (carry = ''));
      for (const l of lines) this.o.onStderrLine(pid, l.endsWith('\r') ? l.slice(0, -1) : l);
    };
    child.stderr!.on('data', (d: Buffer) => emit(dec.write(d)));
    child.stderr!.on('error', () => undefined);
    child.stderr!.on('end', () => {
      emit(dec.end());
      if (carry) (this.o.onStderrLine(pid, carry), (carry = ''));
    });
  }

  private async onExit(pid: number, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    clearInterval(this.beatTimer);
    const wasReady = this.state === 'ready' || (this.state === 'stopping' && this.info !== undefined);
    // like KillMode=control-group: whatever the agent started goes with it
    if (this.killedFor) await this.terminate(pid);
    else if (await groupHasLiveMembers(pid)) await this.terminate(pid);
    this.o.watchdog?.untrack(pid);
    this.state = 'exited';
    // let the last stderr lines arrive before the exit is reported (they explain it); a process
    // that left the group may hold the pipes open, so do not wait for them for long
    await within(this.closed, 200);
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    const k = this.killedFor;
    this.resolveExited({
      why: k?.why ?? 'exited',
      code,
      signal,
      detail: k ? `${k.detail} (${how})` : how,
      wasReady,
      at: Date.now(),
    });
    this.conn?.dispose();
  }

  private fail(why: ExitInfo['why'], detail: string): never {
    const e: ExitInfo = { why, code: null, signal: null, detail, wasReady: false, at: Date.now() };
    this.state = 'exited';
    this.resolveExited(e);
    throw e;
  }
}

/** vscode-jsonrpc's own errors for a connection that closed or was disposed under a request */
function isConnectionError(err: unknown): boolean {
  return (
    err instanceof ResponseError &&
    [
      ErrorCodes.PendingResponseRejected,
      ErrorCodes.ConnectionInactive,
      ErrorCodes.MessageWriteError,
      ErrorCodes.MessageReadError,
    ].includes(err.code as never)
  );
}

export function isExitInfo(x: unknown): x is ExitInfo {
  return !!x && typeof x === 'object' && 'why' in x && 'wasReady' in x;
}

/**
 * `p`, or undefined once `ms` have passed. The timer is cleared as soon as `p` settles: a stop
 * that took 10 ms must not leave a grace-long timer holding the event loop (of the host, or of a
 * test process, which then cannot exit for that long).
 */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), Math.max(0, ms))));
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function fmtMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s`;
}

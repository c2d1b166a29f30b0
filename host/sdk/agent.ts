// The agent SDK: what a persistent agent written in Node needs to speak the host's protocol
// (agentProtocol.ts). Bundled to dist/sdk.js with vscode-jsonrpc inside, so an agent needs no
// install: the host passes its path in AGENTIC_SDK.
//
//   const { runAgent } = require(process.env.AGENTIC_SDK);
//   runAgent({
//     name: 'todo', version: '1.0.0',
//     async runTask(task, { progress, signal }) {
//       progress('scanning');
//       return { findings: [{ file: 'a.ts', line: 3, message: 'TODO left', severity: 'info' }] };
//     },
//   });
//
// It answers agent/initialize, sends heartbeats, turns $/cancelRequest into an AbortSignal, runs
// several tasks at once if the host sends them (the agent's `concurrency`), answers
// agent/shutdown, and exits when the host closes stdin, so an agent never outlives its host.
import { CancellationTokenSource, ResponseError, type CancellationToken } from 'vscode-jsonrpc/node';
import {
  AGENT_PROTOCOL_VERSION,
  AgentMethods,
  REQUEST_CANCELLED,
  type InitializeParams,
  type InitializeResult,
  type RunTaskResult,
  type TaskPayload,
} from './agentProtocol';
import { RpcChannel } from '../../common/node/rpcChannel';

export type { FindingInput, InitializeParams, RunTaskResult, TaskPayload } from './agentProtocol';
export { AGENT_PROTOCOL_VERSION } from './agentProtocol';

export interface TaskContext {
  /** aborted when the host cancels the task (user cancel, timeout, shutdown) */
  signal: AbortSignal;
  /** the same, as a vscode-jsonrpc CancellationToken */
  token: CancellationToken;
  /** a line in the task's log (and proof of life) */
  progress(message: string, fraction?: number): void;
  /** a line on stderr: the agent log and the status tail */
  log(...args: unknown[]): void;
}

export interface AgentDefinition {
  name: string;
  version?: string;
  /**
   * Heartbeat interval (default 10 000). The host restarts an agent silent for 3× this, which is
   * what catches a blocked event loop. 0 turns heartbeats (and that check) off.
   */
  heartbeatMs?: number;
  /** extra capabilities reported in the initialize result */
  capabilities?: Record<string, unknown>;
  initialize?(params: InitializeParams): void | Promise<void>;
  /** Throw to fail the attempt (the host retries it); resolve with findings when done. */
  runTask(task: TaskPayload, ctx: TaskContext): RunTaskResult | Promise<RunTaskResult>;
  /** called on agent/shutdown before the agent exits */
  shutdown?(): void | Promise<void>;
}

export interface AgentIO {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** how to end the process (tests pass their own) */
  exit?(code: number): void;
}

/** The agent's end of the connection, for messages of its own beyond the protocol's. */
export interface AgentConnection {
  sendNotification(method: string, params?: unknown): Promise<void>;
  onNotification(method: string, handler: (params: unknown) => void): void;
  onRequest(method: string, handler: (params: unknown) => unknown): void;
  dispose(): void;
}

export interface AgentHandle {
  connection: AgentConnection;
  /** tasks running now */
  readonly inFlight: number;
  dispose(): void;
}

const DEFAULT_HEARTBEAT_MS = 10_000;

/**
 * A running task's context. Its AbortSignal and CancellationToken are made when the handler
 * first reads them (an AbortController costs an EventTarget; most tasks never look); progress and
 * log are own functions, so a handler may destructure them.
 */
class TaskRun implements TaskContext {
  cancelled = false;
  private ac: AbortController | undefined;
  private cts: CancellationTokenSource | undefined;

  constructor(
    private readonly ch: RpcChannel,
    private readonly taskId: string,
  ) {}

  get signal(): AbortSignal {
    if (!this.ac) {
      this.ac = new AbortController();
      if (this.cancelled) this.ac.abort(new Error('cancelled by the host'));
    }
    return this.ac.signal;
  }

  get token(): CancellationToken {
    if (!this.cts) {
      this.cts = new CancellationTokenSource();
      if (this.cancelled) this.cts.cancel();
    }
    return this.cts.token;
  }

  readonly progress = (message: string, fraction?: number): void =>
    this.ch.notify(AgentMethods.progress, {
      taskId: this.taskId,
      message,
      ...(fraction !== undefined ? { fraction } : {}),
    });

  readonly log = (...args: unknown[]): void =>
    void process.stderr.write(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') + '\n');

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.ac?.abort(new Error('cancelled by the host'));
    this.cts?.cancel();
  }

  dispose(): void {
    this.cts?.dispose();
  }
}

export function runAgent(def: AgentDefinition, io: AgentIO = {}): AgentHandle {
  if (!def || typeof def.name !== 'string' || typeof def.runTask !== 'function')
    throw new TypeError('runAgent needs { name, runTask }');
  const input = io.input ?? process.stdin;
  const output = io.output ?? process.stdout;
  const exit = io.exit ?? ((code: number) => process.exit(code));
  // stdout carries the protocol: one stray console.log would corrupt a frame
  if (output === process.stdout) redirectConsoleToStderr();
  const heartbeatMs = def.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const running = new Map<number | string, TaskRun>();
  const requests = new Map<string, (params: unknown, id: number | string) => unknown>();
  const notifications = new Map<string, (params: unknown) => void>();
  let beat: NodeJS.Timeout | undefined;
  let closed = false;

  // The same framing as vscode-jsonrpc, through the lean channel the host uses too: every request
  // of a chunk is taken at once and the answers of one turn go back in one write.
  const ch = new RpcChannel(input, output, {
    onRequest: (method, params, id) => {
      const h = requests.get(method);
      if (!h) throw new ResponseError(-32601, `unhandled method ${method}`);
      return h(params, id);
    },
    onNotification: (method, params) => {
      if (method === '$/cancelRequest') {
        const id = (params as { id?: number | string } | undefined)?.id;
        if (id !== undefined) running.get(id)?.cancel();
        return;
      }
      notifications.get(method)?.(params);
    },
    // The host closed stdin: it stopped us, or it died. Either way there is no one to work for.
    onClose: () => {
      if (closed) return;
      closed = true;
      if (beat) clearInterval(beat);
      exit(0);
    },
  });
  const notify = (method: string, params: unknown): Promise<void> => {
    ch.notify(method, params);
    return Promise.resolve();
  };

  requests.set(AgentMethods.initialize, async (params): Promise<InitializeResult> => {
    const p = params as InitializeParams | undefined;
    if (p?.protocolVersion !== undefined && p.protocolVersion !== AGENT_PROTOCOL_VERSION) {
      throw new ResponseError(
        -32602,
        `protocol ${p.protocolVersion} is not supported (this SDK speaks ${AGENT_PROTOCOL_VERSION})`,
      );
    }
    await def.initialize?.(p!);
    if (heartbeatMs > 0 && !beat) {
      beat = setInterval(() => ch.notify(AgentMethods.heartbeat, { inFlight: running.size }), heartbeatMs);
      beat.unref(); // stdin keeps the agent alive, not the heartbeat
    }
    return {
      name: def.name,
      ...(def.version ? { version: def.version } : {}),
      protocolVersion: AGENT_PROTOCOL_VERSION,
      capabilities: { ...def.capabilities, cancellation: true, ...(heartbeatMs > 0 ? { heartbeatMs } : {}) },
    };
  });

  requests.set(AgentMethods.runTask, async (params, id): Promise<RunTaskResult> => {
    const task = params as TaskPayload;
    const ctx = new TaskRun(ch, task.id);
    running.set(id, ctx);
    try {
      const result = await def.runTask(task, ctx);
      // a handler that finished anyway after the cancel still counts as cancelled: the host
      // has already given up on the result
      if (ctx.cancelled) throw new ResponseError(REQUEST_CANCELLED, 'cancelled');
      return result ?? {};
    } catch (err) {
      if (ctx.cancelled) throw new ResponseError(REQUEST_CANCELLED, 'cancelled');
      if (err instanceof ResponseError) throw err;
      throw new ResponseError(-32603, err instanceof Error ? err.message : String(err));
    } finally {
      running.delete(id);
      ctx.dispose();
    }
  });

  requests.set(AgentMethods.shutdown, async () => {
    await def.shutdown?.();
    return null;
  });

  const dispose = (): void => {
    closed = true;
    if (beat) clearInterval(beat);
    ch.dispose();
  };
  return {
    connection: {
      sendNotification: notify,
      onNotification: (method, handler) => void notifications.set(method, handler),
      onRequest: (method, handler) => void requests.set(method, (params) => handler(params)),
      dispose,
    },
    get inFlight() {
      return running.size;
    },
    dispose,
  };
}

function redirectConsoleToStderr(): void {
  const toStderr = (...args: unknown[]): void => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}

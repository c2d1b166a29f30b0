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
import {
  createMessageConnection,
  ResponseError,
  StreamMessageReader,
  type CancellationToken,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import {
  AGENT_PROTOCOL_VERSION,
  AgentMethods,
  REQUEST_CANCELLED,
  type InitializeParams,
  type InitializeResult,
  type RunTaskResult,
  type TaskPayload,
} from './agentProtocol';
import { FramedMessageWriter } from './framedWriter';

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

export interface AgentHandle {
  connection: MessageConnection;
  /** tasks running now */
  readonly inFlight: number;
  dispose(): void;
}

const DEFAULT_HEARTBEAT_MS = 10_000;

export function runAgent(def: AgentDefinition, io: AgentIO = {}): AgentHandle {
  if (!def || typeof def.name !== 'string' || typeof def.runTask !== 'function') throw new TypeError('runAgent needs { name, runTask }');
  const input = io.input ?? process.stdin;
  const output = io.output ?? process.stdout;
  const exit = io.exit ?? ((code: number) => process.exit(code));
  // stdout carries the protocol: one stray console.log would corrupt a frame
  if (output === process.stdout) redirectConsoleToStderr();
  const conn = createMessageConnection(new StreamMessageReader(input), new FramedMessageWriter(output));
  const heartbeatMs = def.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  let inFlight = 0;
  let beat: NodeJS.Timeout | undefined;
  let closed = false;

  conn.onRequest(AgentMethods.initialize, async (p: InitializeParams): Promise<InitializeResult> => {
    if (p?.protocolVersion !== undefined && p.protocolVersion !== AGENT_PROTOCOL_VERSION) {
      throw new ResponseError(-32602, `protocol ${p.protocolVersion} is not supported (this SDK speaks ${AGENT_PROTOCOL_VERSION})`);
    }
    await def.initialize?.(p);
    if (heartbeatMs > 0 && !beat) {
      beat = setInterval(() => void conn.sendNotification(AgentMethods.heartbeat, { inFlight }).catch(() => undefined), heartbeatMs);
      beat.unref(); // stdin keeps the agent alive, not the heartbeat
    }
    return {
      name: def.name,
      ...(def.version ? { version: def.version } : {}),
      protocolVersion: AGENT_PROTOCOL_VERSION,
      capabilities: { ...def.capabilities, cancellation: true, ...(heartbeatMs > 0 ? { heartbeatMs } : {}) },
    };
  });

  conn.onRequest(AgentMethods.runTask, async (task: TaskPayload, token: CancellationToken): Promise<RunTaskResult> => {
    const ac = new AbortController();
    const sub = token.onCancellationRequested(() => ac.abort(new Error('cancelled by the host')));
    if (token.isCancellationRequested) ac.abort(new Error('cancelled by the host'));
    inFlight++;
    const ctx: TaskContext = {
      signal: ac.signal,
      token,
      progress: (message, fraction) => void conn.sendNotification(AgentMethods.progress, { taskId: task.id, message, ...(fraction !== undefined ? { fraction } : {}) }).catch(() => undefined),
      log: (...args) => process.stderr.write(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') + '\n'),
    };
    try {
      const r = await def.runTask(task, ctx);
      // a handler that finished anyway after the cancel still counts as cancelled: the host
      // has already given up on the result
      if (token.isCancellationRequested) throw new ResponseError(REQUEST_CANCELLED, 'cancelled');
      return r ?? {};
    } catch (err) {
      if (token.isCancellationRequested) throw new ResponseError(REQUEST_CANCELLED, 'cancelled');
      if (err instanceof ResponseError) throw err;
      throw new ResponseError(-32603, err instanceof Error ? err.message : String(err));
    } finally {
      inFlight--;
      sub.dispose();
    }
  });

  conn.onRequest(AgentMethods.shutdown, async () => {
    await def.shutdown?.();
    return null;
  });

  // The host closed stdin: it stopped us, or it died. Either way there is no one to work for.
  conn.onClose(() => {
    if (closed) return;
    closed = true;
    if (beat) clearInterval(beat);
    exit(0);
  });
  conn.listen();

  return {
    connection: conn,
    get inFlight() {
      return inFlight;
    },
    dispose: () => {
      closed = true;
      if (beat) clearInterval(beat);
      conn.dispose();
    },
  };
}

function redirectConsoleToStderr(): void {
  const toStderr = (...args: unknown[]): void => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}

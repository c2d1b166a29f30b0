// The protocol between the host and a persistent agent (README: Persistent agents and supervision): JSON-RPC 2.0 with
// vscode-jsonrpc's Content-Length framing over the agent's stdin (host → agent) and stdout
// (agent → host). stderr is free text: the host keeps a tail for status and logs it.
// Imported by the host's supervisor and by the SDK, so it holds names and shapes only.

export const AGENT_PROTOCOL_VERSION = 1;

/** The error code an agent answers a cancelled request with (as LSP's RequestCancelled). */
export const REQUEST_CANCELLED = -32800;

export const AgentMethods = {
  /** host → agent, request, first message. The agent is "starting" until it answers. */
  initialize: 'agent/initialize',
  /** host → agent, request: one task; cancelled with `$/cancelRequest`. */
  runTask: 'agent/runTask',
  /** host → agent, request: stop taking work, answer, exit (the host then closes stdin). */
  shutdown: 'agent/shutdown',
  /** agent → host, notification: progress of a task (goes to the task's log). */
  progress: 'agent/progress',
  /** agent → host, notification: "still alive", expected every capabilities.heartbeatMs. */
  heartbeat: 'agent/heartbeat',
} as const;

export interface InitializeParams {
  protocolVersion: number;
  /** the agent's id in agentic_config.yaml */
  agent: string;
  /** absolute path of the workspace root */
  workspace: string;
}

export interface AgentCapabilities {
  /** the agent sends `agent/heartbeat` at least this often; silence for 3× this counts as hung */
  heartbeatMs?: number;
  /** the agent stops a task when it receives `$/cancelRequest` for it */
  cancellation?: boolean;
  [key: string]: unknown;
}

export interface InitializeResult {
  name: string;
  version?: string;
  protocolVersion?: number;
  capabilities?: AgentCapabilities;
}

/** The same payload a one-shot agent gets on stdin and in AGENTIC_TASK. */
export interface TaskPayload {
  id: string;
  agent: string;
  task: string;
  files: string[];
  params?: Record<string, unknown>;
  attempt: number;
  workspace: string;
}

/** One finding as in the findings-json output format. */
export interface FindingInput {
  file: string;
  line: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  severity?: 'error' | 'warning' | 'info' | 'hint' | 'note';
  ruleId?: string;
  message: string;
  fingerprint?: string;
}

export interface RunTaskResult {
  findings?: FindingInput[];
  /** 0 done, 1 done with findings, 2 configuration/usage error (not retried); default by findings */
  exitCode?: 0 | 1 | 2;
}

export interface ProgressParams {
  taskId: string;
  message?: string;
  /** 0..1 */
  fraction?: number;
}

export interface HeartbeatParams {
  /** tasks the agent is working on, for the host's log */
  inFlight?: number;
}

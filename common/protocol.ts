// Every request and notification between clients (extension, CLI, other windows) and the host.
// JSON-RPC 2.0 over a Unix socket; one object param per message; methods are `area/verb`.
// A client's first request must be `host/hello` (version + token); the host refuses anything else.
//
// Plain descriptors (no vscode-jsonrpc import) keep this file free of Node built-ins: each side
// binds them to its own connection through `RequestDef`/`NotificationDef`.
import type { AgentInfo, ConfigIssue, Finding, HostStatus, LogRecord, Priority, TaskInfo, TaskState } from './model';
import type { TriggerConfig } from './configSchema';

export const PROTOCOL_VERSION = 1;

/** A request descriptor; P and R are phantom types for the param and the result. */
export interface RequestDef<P, R> {
  readonly method: string;
  readonly _types?: [P, R];
}
export interface NotificationDef<P> {
  readonly method: string;
  readonly _types?: [P];
}
function request<P, R>(method: string): RequestDef<P, R> {
  return { method };
}
function notification<P>(method: string): NotificationDef<P> {
  return { method };
}

/** Error codes the host answers with (JSON-RPC server-defined range). */
export const ErrorCodes = {
  Unauthorized: -32001, // no hello yet, or a wrong token
  VersionMismatch: -32002,
  NotFound: -32003, // unknown task or agent id
  InvalidParams: -32602,
  InvalidState: -32004, // e.g. retry of a task that is not failed
  ConfigInvalid: -32005, // reload refused; data carries ConfigIssue[]
  ShuttingDown: -32006,
  Unavailable: -32007, // agent unconfigured / unknown
  TooManyClients: -32008, // hello refused: the host serves its maximum of clients
} as const;

// ---------------------------------------------------------------------------------------------
// host/*

/** client → host. Must be the first request on a connection. */
export namespace HelloRequest {
  export interface Params {
    protocolVersion: number;
    token: string;
    client: string; // "cli", "vscode", ...
    clientVersion?: string;
  }
  export interface Result {
    version: string;
    protocolVersion: number;
    pid: number;
    workspace: string;
    socket: string;
  }
  export const type = request<Params, Result>('host/hello');
}

/** client → host. */
export namespace StatusRequest {
  export type Params = Record<string, never>;
  export type Result = HostStatus;
  export const type = request<Params, Result>('host/status');
}

/** client → host. Graceful stop (drain, kill what is left, flush); answers once the stop has begun. */
export namespace ShutdownRequest {
  export interface Params {
    /** how long running tasks may go on before they are killed, ms (default 10 000). */
    drainTimeoutMs?: number;
    reason?: string;
  }
  export interface Result {
    stopping: true;
    running: number;
  }
  export const type = request<Params, Result>('host/shutdown');
}

/**
 * host → client. Sent once when a graceful stop begins (host/shutdown from a client, or a signal),
 * so clients can tell a deliberate stop (do not respawn) from a crash (reconnect with backoff).
 */
export namespace WillStopNotification {
  export interface Params {
    reason: string;
    /** the name the requesting client gave in host/hello, when a client asked */
    requestedBy?: string;
  }
  export const type = notification<Params>('host/willStop');
}

/** host → client. Coalesced (at most ~10/s). */
export namespace StatusNotification {
  export type Params = HostStatus;
  export const type = notification<Params>('host/didChangeStatus');
}

// ---------------------------------------------------------------------------------------------
// tasks/*

export interface SubmitItem {
  agent: string;
  task: string;
  files?: string[];
  params?: Record<string, unknown>;
  priority?: Priority;
  /** coalescing key; default agent + task + files. */
  key?: string;
  /** per-task timeout in ms; overrides the agent's and the global one. */
  timeoutMs?: number;
  /**
   * The user explicitly allowed files outside the workspace (`agentic-bg submit --allow-outside`).
   * Without it the host refuses a file that is outside the workspace once symlinks are resolved.
   */
  allowOutside?: boolean;
}

/** client → host. Answers once the task is durable in the journal. */
export namespace SubmitRequest {
  export interface Params extends SubmitItem {
    source?: string;
  }
  export interface Result {
    taskId: string;
    coalesced: boolean;
  }
  export const type = request<Params, Result>('tasks/submit');
}

/** client → host. A batch of submits in one request, one durable group commit. */
export namespace SubmitBatchRequest {
  export interface Params {
    items: SubmitItem[];
    source?: string;
  }
  export interface Result {
    results: Array<SubmitRequest.Result | { error: string; index: number }>;
  }
  export const type = request<Params, Result>('tasks/submitBatch');
}

/** client → host. Newest first. */
export namespace ListTasksRequest {
  export interface Params {
    state?: TaskState | TaskState[];
    agent?: string;
    limit?: number;
  }
  export interface Result {
    tasks: TaskInfo[];
    total: number;
  }
  export const type = request<Params, Result>('tasks/list');
}

/** client → host. With findings and the attempt log. */
export namespace GetTaskRequest {
  export interface Params {
    id: string;
  }
  export type Result = TaskInfo;
  export const type = request<Params, Result>('tasks/get');
}

/**
 * client → host. Resolves when the task reaches a final (or interrupted) state. A `$/cancelRequest`
 * for it, or the client's disconnect, ends the wait at once (answered with -32800, cancelled); the
 * task itself goes on.
 */
export namespace WaitTaskRequest {
  export interface Params {
    id: string;
    timeoutMs?: number;
  }
  export type Result = TaskInfo;
  export const type = request<Params, Result>('tasks/wait');
}

/** client → host. Kills the task's whole process tree if it runs. */
export namespace CancelTaskRequest {
  export interface Params {
    id: string;
  }
  export type Result = TaskInfo;
  export const type = request<Params, Result>('tasks/cancel');
}

/** client → host. Re-queues a failed, cancelled or interrupted task (attempts start over). */
export namespace RetryTaskRequest {
  export interface Params {
    id: string;
  }
  export type Result = TaskInfo;
  export const type = request<Params, Result>('tasks/retry');
}

/** host → client. The tasks that changed since the last notification (coalesced). */
export namespace TasksNotification {
  export interface Params {
    changed: TaskInfo[];
    removed: string[];
  }
  export const type = notification<Params>('tasks/didChange');
}

/** client → host. Reads a task's captured output. */
export namespace TaskLogRequest {
  export interface Params {
    id: string;
    /** return at most this many trailing bytes (default 64 KiB). */
    tailBytes?: number;
  }
  export interface Result {
    text: string;
    truncated: boolean;
  }
  export const type = request<Params, Result>('tasks/log');
}

// ---------------------------------------------------------------------------------------------
// agents/*

/** client → host. Resets a quarantined agent (and its restart counter). */
export namespace RestartAgentRequest {
  export interface Params {
    id: string;
  }
  export type Result = AgentInfo;
  export const type = request<Params, Result>('agents/restart');
}

/**
 * client → host. Approves a `command` agent at the hash the client showed its user (AgentInfo.
 * approvalHash); a stale hash (the config changed meanwhile) is not approved. Only hosts started
 * with --require-approval hold agents; elsewhere this is a no-op that answers approved: true.
 */
export namespace ApproveAgentRequest {
  export interface Params {
    id: string;
    hash: string;
  }
  export interface Result {
    approved: boolean;
    /** the agent's current hash (differs from params.hash when the config changed) */
    hash?: string;
  }
  export const type = request<Params, Result>('agents/approve');
}

/** host → client. */
export namespace AgentsNotification {
  export interface Params {
    agents: AgentInfo[];
  }
  export const type = notification<Params>('agents/didChange');
}

// ---------------------------------------------------------------------------------------------
// config/*

/** client → host. Validate → apply; the old config stays in force when there are errors. */
export namespace ReloadConfigRequest {
  export type Params = Record<string, never>;
  export interface Result {
    applied: boolean;
    issues: ConfigIssue[];
    changedAgents: string[];
  }
  export const type = request<Params, Result>('config/reload');
}

/**
 * client → host. The resolved triggers and, per agent, whether it takes a batch of files and what
 * kind it is (the Submit Task picker offers the tasks triggers name). Re-read after a config change.
 */
export namespace GetConfigRequest {
  export type Params = Record<string, never>;
  export interface Result {
    triggers: TriggerConfig[];
    agents: Array<{ id: string; batch: boolean; kind: 'command' | 'builtin' | 'none'; enabled: boolean }>;
    loadedAt?: string;
  }
  export const type = request<Params, Result>('config/get');
}

// ---------------------------------------------------------------------------------------------
// workspace/*, triggers/*

/**
 * client → host. Files the client saved (absolute, or relative to the workspace). The host decides
 * what that means: it matches the `on: save` triggers, debounces, batches and submits. No answer;
 * a path outside the workspace is logged and skipped. The same save seen by the host's own
 * watcher runs once.
 */
export namespace DidSaveNotification {
  export interface Params {
    files: string[];
    /** agents this client's user refused to run (approval denied): not triggered by these saves */
    skipAgents?: string[];
  }
  export const type = notification<Params>('workspace/didSave');
}

/** client → host. The on-save targets a file matches now ("Run Agents on Current File"). */
export namespace MatchTriggersRequest {
  export interface Params {
    /** absolute, or relative to the workspace */
    file: string;
  }
  export interface Result {
    /** the file relative to the workspace (forward slashes) */
    file: string;
    targets: Array<{ agent: string; task: string; priority?: Priority }>;
  }
  export const type = request<Params, Result>('triggers/match');
}

// ---------------------------------------------------------------------------------------------
// findings/*

/** client → host. The current findings (latest finished run per agent and file). */
export namespace ListFindingsRequest {
  export interface Params {
    file?: string;
    agent?: string;
  }
  export interface Result {
    findings: Finding[];
  }
  export const type = request<Params, Result>('findings/list');
}

/**
 * client → host. Records the current findings' fingerprints in `.agentic/baseline.json`; agents
 * with `baseline: true` then report only findings that are not in it ("hold the line"). Findings
 * already shown that the new baseline covers are withdrawn at once (findings/didChange).
 */
export namespace RecordBaselineRequest {
  export interface Params {
    /** only this agent's entries are replaced; the others' stay as they are */
    agent?: string;
  }
  export interface Result {
    /** absolute path of the baseline file */
    file: string;
    /** entries per agent in the file after recording */
    agents: Record<string, number>;
    total: number;
  }
  export const type = request<Params, Result>('findings/baseline');
}

/** host → client. Per file: the agent's current findings (an empty list clears them). */
export namespace FindingsNotification {
  export interface Params {
    agent: string;
    taskId: string;
    files: Array<{ file: string; findings: Finding[] }>;
  }
  export const type = notification<Params>('findings/didChange');
}

// ---------------------------------------------------------------------------------------------
// log/*

/** client → host. Subscribe to log records at or above a level (default info). */
export namespace SubscribeLogRequest {
  export interface Params {
    level?: LogRecord['level'];
    /** also send this many recent records first. */
    backlog?: number;
  }
  export interface Result {
    records: LogRecord[];
  }
  export const type = request<Params, Result>('log/subscribe');
}

/** host → client. Only to clients that subscribed. */
export namespace LogNotification {
  export interface Params {
    records: LogRecord[];
  }
  export const type = notification<Params>('log/didAppend');
}

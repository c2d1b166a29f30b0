// The JSON shapes on the wire, shared by the host, the CLI (`--json`) and the extension.
// No 'vscode', no Node built-ins here: this file is imported on both sides.

export type Priority = 'high' | 'medium' | 'low';
export const PRIORITIES: readonly Priority[] = ['high', 'medium', 'low'];

export type TaskState =
  | 'queued'
  | 'running'
  | 'retrying' // failed an attempt, waiting for its backoff
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'interrupted'; // a `write` agent's task that was running when the host died: parked, never re-run blindly

export const TASK_STATES: readonly TaskState[] = [
  'queued',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'cancelled',
  'interrupted',
];
export const FINAL_STATES: readonly TaskState[] = ['succeeded', 'failed', 'cancelled'];
export function isFinal(state: TaskState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled';
}

/** Why an attempt ended other than by a clean exit. */
export type FailureReason =
  | 'exit_code' // non-zero exit other than 1 (findings) and 2 (usage)
  | 'usage_error' // exit code 2: configuration or usage error, never retried
  | 'signal'
  | 'timeout'
  | 'memory_limit'
  | 'cancelled'
  | 'spawn_error'
  | 'too_large' // this task's argv or environment is over what Linux lets a process start with (E2BIG): never retried, not the agent's fault
  | 'output_error' // the agent's output could not be parsed
  | 'rate_limited' // failed and said when to come back (Retry-After): the retry waits at least that long
  | 'host_died' // the host died while the task was running
  | 'no_command' // the agent has no command or builtin configured
  | 'agent_unavailable' // the agent was removed from the config or is quarantined
  | 'agent_error' // a persistent agent answered agent/runTask with an error (or broke the protocol)
  | 'unresponsive' // a persistent agent stopped heartbeating or ignored a cancel, and was restarted
  | 'shutdown'; // killed because the host was stopping

/** A finding that names no file (a build tool's "no project file"): it belongs to the task. */
export function isTaskLevel(f: Finding): boolean {
  return f.file === '';
}

export interface AttemptRecord {
  attempt: number; // 1-based
  startedAt: string; // ISO
  finishedAt?: string;
  pid?: number;
  /** the /proc start time of pid, written by earlier builds of the host; no longer read */
  pidStartTime?: string;
  exitCode?: number | null;
  signal?: string | null;
  reason?: FailureReason;
  detail?: string; // human readable: what happened, e.g. "exit code 3", "timed out after 120s"
  peakRssBytes?: number;
}

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface Finding {
  /** workspace-relative, forward slashes; '' for a task-level finding (the tool named no file) */
  file: string;
  line: number; // 1-based
  column: number; // 1-based
  endLine?: number;
  endColumn?: number;
  severity: Severity;
  ruleId: string;
  message: string;
  agent: string;
  taskId: string;
  /** sha256 (hex) of the file content the run saw, so a consumer can tell a finding is stale. */
  contentHash?: string;
  /** stable identity of the finding for baselines (SARIF partialFingerprints or a hash). */
  fingerprint?: string;
}

export interface TaskInfo {
  id: string;
  agent: string;
  task: string;
  state: TaskState;
  priority: Priority;
  key: string;
  files: string[];
  params?: Record<string, unknown>;
  /** attempts started so far (1 after the first run started). */
  attempts: number;
  maxAttempts: number;
  reason?: FailureReason;
  detail?: string;
  exitCode?: number | null;
  signal?: string | null;
  createdAt: string; // ISO
  updatedAt: string; // ISO
  startedAt?: string;
  finishedAt?: string;
  nextAttemptAt?: string; // while retrying
  timeoutMs?: number; // per-task override from submit
  pid?: number;
  findingCount?: number;
  findings?: Finding[];
  /** findings of an agent with `baseline: true` that were in the baseline, so not reported */
  baselinedCount?: number;
  /** SARIF results the tool marked suppressed (every suppression accepted), so not reported */
  suppressedCount?: number;
  /** the findings with no file (file ''), kept on the task in lists too: the Tasks view shows them */
  taskFindings?: Finding[];
  /** the last lines the agent printed on stdout (text agents: an AI CLI's closing summary) */
  outputTail?: string[];
  attemptLog?: AttemptRecord[];
  /** path of the task's captured stdout/stderr log, relative to the workspace. */
  logFile?: string;
  /** which client submitted it: "cli", "vscode", ... */
  source?: string;
}

export type AgentState = 'idle' | 'running' | 'starting' | 'quarantined' | 'stopped' | 'unconfigured';
export type EnforcementTier = 'cgroup' | 'throttle' | 'observe-only';

export interface AgentInfo {
  id: string;
  state: AgentState;
  kind: 'command' | 'builtin' | 'none';
  /** the argv template (for builtins: the builtin's name). */
  command?: string[];
  builtin?: string;
  persistent: boolean;
  effects: 'read' | 'write';
  priority: Priority;
  concurrency: number;
  running: number;
  queued: number;
  pids: number[];
  /** live, while tasks run: 100 = one core, over the last second; summed over its process groups */
  cpuPercent?: number;
  /** live, while tasks run: RSS of all processes of its process groups, summed */
  rssBytes?: number;
  restarts: number;
  lastExit?: { code: number | null; signal: string | null; at: string };
  /** how limits are enforced: cgroup (kernel cpu.max), throttle (host signals), observe-only */
  tier: EnforcementTier;
  /** why the tier is not the strongest one, e.g. no cgroup v2 delegation, development mode */
  tierReason?: string;
  /** `sandboxed (bubblewrap)` or `unsandboxed: why` */
  sandbox?: string;
  limits: { maxMemoryBytes?: number; maxCpuPercent?: number; timeoutMs: number };
  /** why the agent is unconfigured / quarantined / stopped. */
  reason?: string;
  /**
   * The detail of the agent's latest finished task when it succeeded with one: a tool that said
   * its run did not succeed (SARIF executionSuccessful: false), output the reader had to repair.
   */
  lastRunNote?: string;
  stderrTail?: string[];
  /** `command` agents: the env keys it is given (values are never sent: they may be secrets). */
  envKeys?: string[];
  /**
   * `command` agents: sha256 of (argv template, sorted env keys, cwd) — what a user approves
   * (ARCHITECTURE.md: Invariants, Trust); a change to any of them changes the hash and asks again.
   */
  approvalHash?: string;
  /** false while a host started with --require-approval holds the agent until agents/approve. */
  approved?: boolean;
}

export type Health = 'ok' | 'degraded' | 'error';

export interface ConfigIssue {
  severity: 'error' | 'warning';
  message: string;
  /** dotted key path, e.g. "background.agents.saa.max_memory" */
  path: string;
  line?: number; // 1-based
  column?: number; // 1-based
  endLine?: number;
  endColumn?: number;
}

export interface ConfigState {
  file: string; // absolute path of agentic_config.yaml
  exists: boolean;
  valid: boolean;
  /** true when the host runs on the built-in default because the file does not exist. */
  usingDefault: boolean;
  issues: ConfigIssue[];
  loadedAt?: string;
  /** set when the file on disk is invalid and the previous valid config stays in force. */
  keptPrevious?: boolean;
}

export type QueueCounts = Record<TaskState, number>;

export interface HostStatus {
  version: string;
  protocolVersion: number;
  pid: number;
  socket: string;
  workspace: string;
  startedAt: string;
  uptimeMs: number;
  mode: 'production' | 'development';
  enabled: boolean;
  health: Health;
  healthReasons: string[];
  /** how the host was started: a host started by the extension stops when idle and unattended. */
  launchedBy: 'cli' | 'extension' | 'foreground';
  clients: number;
  /** requests waiting in tasks/wait for a task to end (one is removed when its client cancels or leaves) */
  waiters?: number;
  queue: QueueCounts;
  rates: { tasksPerMin: number; failureRate: number };
  agents: AgentInfo[];
  config: ConfigState;
  journal: { file: string; bytes: number; recoveredFrom?: string };
  /** started with --restricted (untrusted workspace): only built-in agents run. */
  restricted?: boolean;
  /** started with --require-approval: `command` agents wait for agents/approve. */
  requireApproval?: boolean;
  /** the host watches the workspace for saves (background.watch or --watch); absent when not asked */
  watch?: { active: boolean; error?: string };
  /**
   * on-save triggers: saves taken (reported or watched), the same save seen twice and dropped,
   * tasks submitted, and (agent, task) debounce windows still open
   */
  saves?: { saves: number; repeats: number; submitted: number; pending: number };
}

export interface LogRecord {
  time: string;
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  taskId?: string;
  agent?: string;
  [key: string]: unknown;
}

// The zod schema of agentic_config.yaml and its resolved form.
//
// AgenticScrum's format is the base: its `background:` section loads unchanged, keys are snake_case
// as there. Top-level keys other than `background` belong to AgenticScrum and are ignored; unknown
// keys inside `background` are errors (a typo must not fail open).
// No 'vscode', no Node built-ins: imported by the host and by the extension (JSON Schema).
import { z } from 'zod';
import type { Priority } from './model';

// ---------------------------------------------------------------------------------------------
// Scalars: durations and sizes

const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i;
const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib|k|m|g|t)?\s*$/i;

/** "500ms" | "2s" | "5m" | "1h" | 30 (seconds) → milliseconds; undefined when malformed. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * 1000) : undefined;
  if (typeof v !== 'string') return undefined;
  const m = DURATION_RE.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const mult = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return Math.round(n * mult);
}

const SIZE_MULT: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** "512MB" (10^6) | "256MiB" (2^20) | "1G" (2^30, as docker) | 1048576 (bytes) → bytes. */
export function parseSize(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined;
  if (typeof v !== 'string') return undefined;
  const m = SIZE_RE.exec(v);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * SIZE_MULT[(m[2] ?? 'b').toLowerCase()]!);
}

const duration = z.union([z.number(), z.string()]).refine((v) => parseDuration(v) !== undefined, {
  message: 'expected a duration: seconds as a number, or a string like "500ms", "2s", "5m", "1h"',
});
const size = z.union([z.number(), z.string()]).refine((v) => parseSize(v) !== undefined, {
  message: 'expected a size: bytes as a number, or a string like "512MB", "1GB", "256MiB"',
});

// ---------------------------------------------------------------------------------------------
// Schema

export const BUILTIN_AGENTS = ['secrets'] as const;
export const OUTPUT_FORMATS = ['sarif', 'text', 'gcc', 'tsc', 'eslint-compact', 'findings-json'] as const;

const priority = z.enum(['high', 'medium', 'low']);
const exitCode = z.number().int().min(0).max(255);
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'WARN', 'ERROR'] as const;

const outputSchema = z.union([
  z.enum(OUTPUT_FORMATS),
  z.strictObject({ sarif: z.string().min(1) }),
  z.strictObject({
    regex: z.string().min(1),
    severity: z.enum(['error', 'warning', 'info', 'hint']).optional(),
  }),
]);

/**
 * The OS sandbox of an agent (globally under `background:`, per agent to override): `off`, or what
 * it may write besides its temp dir, what it may not read besides the built-in secret stores, the
 * domains it may reach (none by default), and whether it must refuse to run unsandboxed.
 */
export const sandboxSchema = z.union([
  z.literal('off'),
  z.strictObject({
    enabled: z.boolean().optional(),
    write: z.array(z.string().min(1)).optional(),
    read_deny: z.array(z.string().min(1)).optional(),
    network: z.union([z.literal(false), z.array(z.string().regex(/^[A-Za-z0-9*.:-]+$/, 'a domain name'))]).optional(),
    required: z.boolean().optional(),
  }),
]);

export const agentSchema = z
  .strictObject({
    enabled: z.boolean().optional(),
    builtin: z.enum(BUILTIN_AGENTS).optional(),
    command: z.array(z.string().min(1)).min(1).optional(),
    max_memory: size.optional(),
    max_cpu_percent: z.number().gt(0).lte(1000).optional(),
    nice: z.number().int().min(0).max(19).optional(),
    priority: priority.optional(),
    timeout: duration.optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    persistent: z.boolean().optional(),
    effects: z.enum(['read', 'write']).optional(),
    output: outputSchema.optional(),
    batch: z.boolean().optional(),
    restart: z
      .strictObject({
        max_restarts: z.number().int().min(0).max(1000).optional(),
        window: duration.optional(),
        // persistent agents: quarantine cool-down before the first trial start (doubles per
        // failed trial), and how long agent/initialize may take before the start counts as failed
        cooldown: duration.optional(),
        start_timeout: duration.optional(),
      })
      .optional(),
    env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    retry_attempts: z.number().int().min(0).max(100).optional(),
    description: z.string().optional(),
    // Which exit codes mean "done" and which "usage error" (never retried); any other code is a
    // failure, retried. Tools disagree: tsc exits 2 when it found type errors.
    exit_codes: z
      .strictObject({
        done: z.array(exitCode).optional(),
        usage_error: z.array(exitCode).optional(),
      })
      .refine((e) => !(e.done ?? []).some((c) => (e.usage_error ?? []).includes(c)), {
        message: 'an exit code cannot be both `done` and `usage_error`',
      })
      .optional(),
    // hold the line: report only findings that are not in .agentic/baseline.json
    baseline: z.boolean().optional(),
    // AI coding CLIs: a persona file (AgenticScrum's agents/<id>/persona_rules.yaml) and a prompt
    // template, rendered by the host into ${prompt} / ${prompt_file} for the argv
    persona: z.string().min(1).optional(),
    prompt: z.string().min(1).optional(),
    sandbox: sandboxSchema.optional(),
  })
  .refine((a) => !(a.builtin && a.command), {
    message: 'an agent has either `builtin` or `command`, not both',
  });

export const triggerSchema = z.strictObject({
  on: z.enum(['save', 'manual']),
  files: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  agent: z.string().min(1),
  task: z.string().min(1).optional(),
  debounce: duration.optional(),
  priority: priority.optional(),
});

export const backgroundSchema = z.strictObject({
  enabled: z.boolean().optional(),
  mode: z.enum(['production', 'development']).optional(),
  max_concurrent_agents: z.number().int().min(1).max(256).optional(),
  task_timeout: duration.optional(),
  retry_attempts: z.number().int().min(0).max(100).optional(),
  retry_backoff: z
    .strictObject({
      initial: duration.optional(),
      factor: z.number().min(1).max(100).optional(),
      max: duration.optional(),
      jitter: z.boolean().optional(),
    })
    .optional(),
  log_level: z
    .string()
    .refine((s) => LOG_LEVELS.includes(s.toUpperCase() as (typeof LOG_LEVELS)[number]), {
      message: 'expected one of TRACE, DEBUG, INFO, WARNING, WARN, ERROR',
    })
    .optional(),
  agents: z
    .record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'agent ids use letters, digits, _ . -'), agentSchema.nullable())
    .optional(),
  triggers: z.array(triggerSchema).optional(),
  // the host watches the workspace for saves itself (any editor, any script), not only saves
  // a client reports
  watch: z.boolean().optional(),
  history_limit: z.number().int().min(0).max(100_000).optional(),
  sandbox: sandboxSchema.optional(),
});

/** The whole file: only `background` is ours; other top-level sections are AgenticScrum's. */
export const configFileSchema = z.looseObject({
  background: backgroundSchema.nullable().optional(),
});

export type RawConfigFile = z.infer<typeof configFileSchema>;
export type RawBackground = z.infer<typeof backgroundSchema>;
export type RawAgent = z.infer<typeof agentSchema>;
export type RawTrigger = z.infer<typeof triggerSchema>;
export type RawSandbox = z.infer<typeof sandboxSchema>;

// ---------------------------------------------------------------------------------------------
// Resolved form: defaults applied, durations in ms, sizes in bytes, camelCase.

export type OutputFormat =
  | { kind: 'sarif'; file?: string }
  | { kind: 'text' }
  | { kind: 'findings-json' }
  | { kind: 'pattern'; name: 'gcc' | 'tsc' | 'eslint-compact' }
  | { kind: 'regex'; regex: string; severity?: 'error' | 'warning' | 'info' | 'hint' };

export interface AgentConfig {
  id: string;
  enabled: boolean;
  kind: 'command' | 'builtin' | 'none';
  builtin?: (typeof BUILTIN_AGENTS)[number];
  command?: string[];
  maxMemoryBytes?: number;
  maxCpuPercent?: number;
  nice: number;
  priority: Priority;
  timeoutMs: number;
  concurrency: number;
  persistent: boolean;
  effects: 'read' | 'write';
  output: OutputFormat;
  batch: boolean;
  restart: { maxRestarts: number; windowMs: number; cooldownMs: number; startTimeoutMs: number };
  env: Record<string, string>;
  retryAttempts: number;
  description?: string;
  /** exit codes that end the task as done / as a usage error (never retried); others fail and retry */
  exitCodes: { done: number[]; usageError: number[] };
  /** report only findings that are not in the workspace baseline */
  baseline: boolean;
  /** workspace-relative path of the persona file rendered into the prompt */
  persona?: string;
  /** prompt template (see host/agents/prompt.ts); set for AI agents */
  prompt?: string;
  sandbox: SandboxConfig;
}

export interface SandboxConfig {
  /** run under the OS sandbox (bubblewrap) */
  enabled: boolean;
  /** set when `sandbox: off` was written: shown as a warning */
  off?: true;
  /** writable besides its temp dir (workspace-relative or absolute) */
  write: string[];
  /** hidden besides the built-in secret stores (workspace-relative, absolute or ~/…) */
  readDeny: string[];
  /** domains it may reach; empty: no network */
  network: string[];
  /** refuse to run when no sandbox is available */
  required: boolean;
}

export interface TriggerConfig {
  on: 'save' | 'manual';
  files: string[];
  agent: string;
  task: string;
  debounceMs: number;
  priority?: Priority;
}

export interface BackoffConfig {
  initialMs: number;
  factor: number;
  maxMs: number;
  jitter: boolean;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface ResolvedConfig {
  enabled: boolean;
  mode: 'production' | 'development';
  maxConcurrentAgents: number;
  taskTimeoutMs: number;
  retryAttempts: number;
  retryBackoff: BackoffConfig;
  logLevel: LogLevel;
  agents: Record<string, AgentConfig>;
  triggers: TriggerConfig[];
  /** the host watches the workspace for saves (background.watch) */
  watch: boolean;
  historyLimit: number;
}

export const DEFAULTS = {
  enabled: true,
  mode: 'production' as const,
  maxConcurrentAgents: 3,
  taskTimeoutMs: 300_000,
  retryAttempts: 3,
  retryBackoff: { initialMs: 1000, factor: 2, maxMs: 60_000, jitter: true },
  logLevel: 'info' as LogLevel,
  nice: 10,
  restart: { maxRestarts: 5, windowMs: 180_000, cooldownMs: 60_000, startTimeoutMs: 30_000 },
  debounceMs: 300,
  watch: false,
  historyLimit: 1000,
};

function resolveLogLevel(s: string | undefined): LogLevel {
  switch ((s ?? 'INFO').toUpperCase()) {
    case 'TRACE':
      return 'trace';
    case 'DEBUG':
      return 'debug';
    case 'WARNING':
    case 'WARN':
      return 'warn';
    case 'ERROR':
      return 'error';
    default:
      return 'info';
  }
}

function resolveOutput(o: RawAgent['output'], builtin: boolean): OutputFormat {
  if (o === undefined) return builtin ? { kind: 'sarif' } : { kind: 'text' };
  if (typeof o === 'string') {
    if (o === 'sarif') return { kind: 'sarif' };
    if (o === 'text') return { kind: 'text' };
    if (o === 'findings-json') return { kind: 'findings-json' };
    return { kind: 'pattern', name: o };
  }
  if ('sarif' in o) return { kind: 'sarif', file: o.sarif };
  return { kind: 'regex', regex: o.regex, ...(o.severity ? { severity: o.severity } : {}) };
}

/**
 * Exit codes: 0 and 1 are done (1: with findings), 2 is a usage error. AI CLIs print no findings and
 * exit 1 on errors (claude, codex, aider), so for an agent with a prompt 1 is a failure. A code
 * named in only one list is removed from the other's default.
 */
function resolveExitCodes(a: RawAgent): AgentConfig['exitCodes'] {
  const ai = Boolean(a.prompt || a.persona);
  const given = a.exit_codes ?? {};
  let done = given.done ?? (ai ? [0] : [0, 1]);
  let usageError = given.usage_error ?? [2];
  if (given.done && !given.usage_error) usageError = usageError.filter((c) => !done.includes(c));
  if (given.usage_error && !given.done) done = done.filter((c) => !usageError.includes(c));
  return { done, usageError };
}

/** The agent's sandbox: its own block over the global one; `off` anywhere turns it off. */
export function resolveSandbox(global: RawSandbox | undefined, own: RawSandbox | undefined): SandboxConfig {
  if (own === 'off' || (own === undefined && global === 'off'))
    return { enabled: false, off: true, write: [], readDeny: [], network: [], required: false };
  const g = global === 'off' || global === undefined ? undefined : global;
  const o = own;
  const pick = <K extends 'write' | 'read_deny' | 'network' | 'required' | 'enabled'>(k: K) =>
    (o?.[k] ?? g?.[k]) as NonNullable<Exclude<RawSandbox, 'off'>[K]> | undefined;
  const network = pick('network');
  return {
    enabled: (o !== undefined || g !== undefined) && pick('enabled') !== false,
    write: pick('write') ?? [],
    readDeny: pick('read_deny') ?? [],
    network: network === false || network === undefined ? [] : network,
    required: pick('required') ?? false,
  };
}

/** Applies defaults to a validated file. Pure. */
export function resolveConfig(file: RawConfigFile): ResolvedConfig {
  const bg = file.background ?? {};
  const taskTimeoutMs = parseDuration(bg.task_timeout ?? 300)!;
  const retryAttempts = bg.retry_attempts ?? DEFAULTS.retryAttempts;
  const rb = bg.retry_backoff ?? {};
  const agents: Record<string, AgentConfig> = {};
  for (const [id, raw] of Object.entries(bg.agents ?? {})) {
    const a = raw ?? {};
    const kind = a.builtin ? 'builtin' : a.command ? 'command' : 'none';
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(a.env ?? {})) env[k] = String(v);
    agents[id] = {
      id,
      enabled: a.enabled ?? true,
      kind,
      ...(a.builtin ? { builtin: a.builtin } : {}),
      ...(a.command ? { command: a.command } : {}),
      ...(a.max_memory !== undefined ? { maxMemoryBytes: parseSize(a.max_memory)! } : {}),
      ...(a.max_cpu_percent !== undefined ? { maxCpuPercent: a.max_cpu_percent } : {}),
      nice: a.nice ?? DEFAULTS.nice,
      priority: a.priority ?? 'medium',
      timeoutMs: a.timeout !== undefined ? parseDuration(a.timeout)! : taskTimeoutMs,
      concurrency: a.concurrency ?? 1,
      persistent: a.persistent ?? false,
      // an AI agent (persona or prompt) edits files unless told otherwise
      effects: a.effects ?? (a.prompt || a.persona ? 'write' : 'read'),
      output: resolveOutput(a.output, kind === 'builtin'),
      batch: a.batch ?? false,
      restart: {
        maxRestarts: a.restart?.max_restarts ?? DEFAULTS.restart.maxRestarts,
        windowMs: a.restart?.window !== undefined ? parseDuration(a.restart.window)! : DEFAULTS.restart.windowMs,
        cooldownMs:
          a.restart?.cooldown !== undefined ? parseDuration(a.restart.cooldown)! : DEFAULTS.restart.cooldownMs,
        startTimeoutMs:
          a.restart?.start_timeout !== undefined
            ? parseDuration(a.restart.start_timeout)!
            : DEFAULTS.restart.startTimeoutMs,
      },
      env,
      retryAttempts: a.retry_attempts ?? retryAttempts,
      ...(a.description ? { description: a.description } : {}),
      exitCodes: resolveExitCodes(a),
      baseline: a.baseline ?? false,
      ...(a.persona ? { persona: a.persona } : {}),
      ...(a.prompt ? { prompt: a.prompt } : {}),
      sandbox: resolveSandbox(bg.sandbox, a.sandbox),
    };
  }
  return {
    enabled: bg.enabled ?? DEFAULTS.enabled,
    mode: bg.mode ?? DEFAULTS.mode,
    maxConcurrentAgents: bg.max_concurrent_agents ?? DEFAULTS.maxConcurrentAgents,
    taskTimeoutMs,
    retryAttempts,
    retryBackoff: {
      initialMs: rb.initial !== undefined ? parseDuration(rb.initial)! : DEFAULTS.retryBackoff.initialMs,
      factor: rb.factor ?? DEFAULTS.retryBackoff.factor,
      maxMs: rb.max !== undefined ? parseDuration(rb.max)! : DEFAULTS.retryBackoff.maxMs,
      jitter: rb.jitter ?? DEFAULTS.retryBackoff.jitter,
    },
    logLevel: resolveLogLevel(bg.log_level),
    agents,
    triggers: (bg.triggers ?? []).map((t) => ({
      on: t.on,
      files: t.files === undefined ? ['**/*'] : typeof t.files === 'string' ? [t.files] : t.files,
      agent: t.agent,
      task: t.task ?? t.agent,
      debounceMs: t.debounce !== undefined ? parseDuration(t.debounce)! : DEFAULTS.debounceMs,
      ...(t.priority ? { priority: t.priority } : {}),
    })),
    watch: bg.watch ?? DEFAULTS.watch,
    historyLimit: bg.history_limit ?? DEFAULTS.historyLimit,
  };
}

/**
 * The built-in default used when the workspace has no agentic_config.yaml: AgenticScrum's
 * security audit agent (`saa`) backed by the built-in secrets scanner, run on save of any file.
 */
export const DEFAULT_CONFIG_FILE: RawConfigFile = {
  background: {
    enabled: true,
    agents: { saa: { builtin: 'secrets', priority: 'high', max_memory: '256MB', timeout: 60 } },
    triggers: [{ on: 'save', files: '**/*', agent: 'saa', task: 'security-audit' }],
  },
};

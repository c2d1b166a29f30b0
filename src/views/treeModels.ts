// What the Agents and Tasks views show, as plain rows (no 'vscode'): labels, descriptions,
// tooltips, icons and the contextValue that decides the inline actions. Unit-tested.
import type { AgentInfo, TaskInfo, TaskState } from '../../common/model';

export interface Row {
  label: string;
  description: string;
  tooltip: string; // Markdown
  contextValue: string;
  icon: string; // codicon id
  color?: 'errorForeground' | 'warningForeground' | 'charts.green' | 'disabledForeground';
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(0)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** An agent the user must still approve (host started with --require-approval). */
export function awaitingApproval(a: AgentInfo): boolean {
  return a.approved === false;
}

export function agentRow(a: AgentInfo): Row {
  const held = awaitingApproval(a);
  const bits: string[] = [held ? 'awaiting approval' : a.state];
  if (a.pids.length) bits.push(`pid ${a.pids.join(',')}`);
  if (a.cpuPercent !== undefined) bits.push(`${a.cpuPercent.toFixed(0)}% CPU`);
  if (a.rssBytes !== undefined) bits.push(formatBytes(a.rssBytes));
  if (a.queued) bits.push(`${a.queued} queued`);
  bits.push(`${a.restarts} restart${a.restarts === 1 ? '' : 's'}`);
  bits.push(a.tier);
  if (a.sandbox === 'sandboxed (bubblewrap)') bits.push('sandboxed');
  else if (a.sandbox?.startsWith('unsandboxed: sandbox: off')) bits.push('⚠ sandbox off');
  if (a.reason && !held) bits.push(a.reason);
  const icon = held
    ? 'shield'
    : {
        idle: 'circle-outline',
        running: 'sync~spin',
        starting: 'loading~spin',
        quarantined: 'error',
        stopped: 'debug-stop',
        unconfigured: 'circle-slash',
      }[a.state];
  const color: Row['color'] =
    a.state === 'quarantined'
      ? 'errorForeground'
      : held
        ? 'warningForeground'
        : a.state === 'running'
          ? 'charts.green'
          : a.state === 'unconfigured' || a.state === 'stopped'
            ? 'disabledForeground'
            : undefined;
  const lim = a.limits;
  const tip = [
    `**${a.id}** — ${a.state}${a.reason ? `: ${a.reason}` : ''}`,
    '',
    `- kind: ${a.kind}${a.builtin ? ` (${a.builtin})` : ''}${a.persistent ? ', persistent' : ''}, effects: ${a.effects}, priority: ${a.priority}`,
    a.command ? `- command: \`${a.command.join(' ')}\`` : '',
    a.envKeys?.length ? `- env keys: ${a.envKeys.map((k) => `\`${k}\``).join(', ')}` : '',
    `- running ${a.running} / ${a.concurrency}, queued ${a.queued}, restarts ${a.restarts}`,
    `- limits: ${lim.maxMemoryBytes !== undefined ? formatBytes(lim.maxMemoryBytes) : 'no memory limit'}, ${lim.maxCpuPercent !== undefined ? `${lim.maxCpuPercent}% CPU` : 'no CPU limit'}, timeout ${formatMs(lim.timeoutMs)}; enforcement: ${a.tier}`,
    a.sandbox ? `- sandbox: ${a.sandbox}` : '',
    a.lastExit ? `- last exit: ${a.lastExit.signal ?? `code ${a.lastExit.code}`} at ${a.lastExit.at}` : '',
    a.lastRunNote ? `- last run: ${a.lastRunNote}` : '',
    held ? '- waiting for your approval of this command (Agentic Background: Review Agent Approvals)' : '',
    a.stderrTail?.length ? `\n\`\`\`\n${a.stderrTail.slice(-5).join('\n')}\n\`\`\`` : '',
  ].filter(Boolean);
  return {
    label: a.id,
    description: bits.join(' · '),
    tooltip: tip.join('\n'),
    contextValue: `agent.${held ? 'awaiting' : a.state}`,
    icon,
    ...(color ? { color } : {}),
  };
}

export const STATE_ORDER: readonly TaskState[] = [
  'running',
  'retrying',
  'queued',
  'failed',
  'interrupted',
  'cancelled',
  'succeeded',
];
const STATE_LABEL: Record<TaskState, string> = {
  running: 'Running',
  retrying: 'Retrying',
  queued: 'Queued',
  failed: 'Failed',
  interrupted: 'Interrupted',
  cancelled: 'Cancelled',
  succeeded: 'Succeeded',
};
const STATE_ICON: Record<TaskState, string> = {
  running: 'sync~spin',
  retrying: 'history',
  queued: 'clock',
  failed: 'error',
  interrupted: 'debug-pause',
  cancelled: 'circle-slash',
  succeeded: 'pass',
};

export interface TaskGroup {
  state: TaskState;
  label: string;
  icon: string;
  total: number;
  tasks: TaskInfo[];
}

/** Non-empty groups in STATE_ORDER, newest first inside, each capped at `limit` rows. */
export function groupTasks(tasks: Iterable<TaskInfo>, limit = 50): TaskGroup[] {
  const by = new Map<TaskState, TaskInfo[]>();
  for (const t of tasks) (by.get(t.state) ?? by.set(t.state, []).get(t.state)!).push(t);
  const out: TaskGroup[] = [];
  for (const state of STATE_ORDER) {
    const list = by.get(state);
    if (!list?.length) continue;
    list.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
    out.push({
      state,
      label: STATE_LABEL[state],
      icon: STATE_ICON[state],
      total: list.length,
      tasks: list.slice(0, limit),
    });
  }
  return out;
}

export function taskDurationMs(t: TaskInfo, now: number): number | undefined {
  if (!t.startedAt) return undefined;
  const end = t.finishedAt ? Date.parse(t.finishedAt) : now;
  return end - Date.parse(t.startedAt);
}

export function taskRow(t: TaskInfo, now: number): Row {
  const files = t.files.length === 0 ? 'workspace' : t.files.length === 1 ? t.files[0]! : `${t.files.length} files`;
  const bits = [t.priority, `attempt ${t.attempts}/${t.maxAttempts}`];
  const d = taskDurationMs(t, now);
  if (d !== undefined) bits.push(formatMs(d));
  else if (t.state === 'queued') bits.push(`waiting ${formatMs(now - Date.parse(t.createdAt))}`);
  if (t.findingCount) bits.push(`${t.findingCount} finding${t.findingCount === 1 ? '' : 's'}`);
  if (t.reason) bits.push(t.detail ? `${t.reason}: ${t.detail}` : t.reason);
  else if (t.detail) bits.push(t.detail);
  const tip = [
    `**${t.agent}: ${t.task}** — ${t.state}`,
    '',
    `- id: \`${t.id}\`${t.source ? ` (from ${t.source})` : ''}`,
    `- files: ${
      t.files.length
        ? t.files
            .slice(0, 20)
            .map((f) => `\`${f}\``)
            .join(', ') + (t.files.length > 20 ? ` … (${t.files.length})` : '')
        : 'the whole workspace'
    }`,
    `- priority ${t.priority}, attempt ${t.attempts} of ${t.maxAttempts}`,
    `- created ${t.createdAt}${t.startedAt ? `, started ${t.startedAt}` : ''}${t.finishedAt ? `, finished ${t.finishedAt}` : ''}`,
    t.exitCode !== undefined && t.exitCode !== null ? `- exit code ${t.exitCode}` : '',
    t.signal ? `- signal ${t.signal}` : '',
    t.reason ? `- reason: ${t.reason}${t.detail ? ` — ${t.detail}` : ''}` : t.detail ? `- note: ${t.detail}` : '',
    t.suppressedCount ? `- ${t.suppressedCount} finding(s) suppressed by the tool, not shown` : '',
    ...(t.taskFindings?.length
      ? [
          '\n**Findings with no file:**',
          ...t.taskFindings.map((f) => `- ${f.severity}: ${f.message}${f.ruleId ? ` (\`${f.ruleId}\`)` : ''}`),
        ]
      : []),
  ].filter(Boolean);
  return {
    label: `${t.agent}: ${t.task} — ${files}`,
    description: bits.join(' · '),
    tooltip: tip.join('\n'),
    contextValue: `task.${t.state}${t.attempts > 0 ? '.log' : ''}`,
    icon: STATE_ICON[t.state],
  };
}

// Human output of the CLI. `--json` prints the model shapes as they are; this is the rest.
import type { Finding, HostStatus, TaskInfo } from '../../common/model';

export function fmtDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
  return `${Math.floor(ms / 3_600_000)}h${Math.round((ms % 3_600_000) / 60_000)}m`;
}

function fmtBytes(n: number | undefined): string {
  if (n === undefined) return '-';
  if (n < 1024 * 1024) return `${Math.round(n / 1024)}K`;
  return `${(n / 1024 / 1024).toFixed(n < 100 * 1024 * 1024 ? 1 : 0)}M`;
}

export function fmtFinding(f: Finding): string {
  const where = f.file === '' ? `(${f.agent}: no file)` : `${f.file}:${f.line}:${f.column}`;
  return `${where} ${f.severity} ${f.message}${f.ruleId ? ` [${f.ruleId}]` : ''}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

export function fmtStatus(s: HostStatus): string {
  const q = s.queue;
  const lines = [
    `host      pid ${s.pid} · ${s.health}${s.healthReasons.length ? ` (${s.healthReasons.join('; ')})` : ''} · up ${fmtDuration(s.uptimeMs)} · ${s.mode}${s.enabled ? '' : ' · DISABLED'}`,
    `workspace ${s.workspace}`,
    `socket    ${s.socket}`,
    `config    ${s.config.usingDefault ? 'built-in default (no agentic_config.yaml)' : s.config.file}${s.config.valid ? '' : ` · INVALID (${s.config.issues.length} issue(s))`}`,
    `queue     ${q.running} running · ${q.queued} queued · ${q.retrying} retrying · ${q.interrupted} interrupted · ${q.succeeded} succeeded · ${q.failed} failed · ${q.cancelled} cancelled`,
    `rates     ${s.rates.tasksPerMin} tasks/min · ${Math.round(s.rates.failureRate * 100)}% failed`,
    '',
  ];
  if (s.agents.length === 0) return lines.join('\n') + 'no agents configured\n';
  const rows = [
    ['AGENT', 'STATE', 'RUN', 'QUEUED', 'PIDS', 'CPU', 'MEM', 'RESTARTS', 'TIER', 'SANDBOX', 'COMMAND / REASON'],
  ];
  for (const a of s.agents) {
    rows.push([
      a.id,
      a.state,
      String(a.running),
      String(a.queued),
      a.pids.join(',') || '-',
      a.cpuPercent === undefined ? '-' : `${a.cpuPercent.toFixed(0)}%`,
      fmtBytes(a.rssBytes),
      String(a.restarts),
      a.tier,
      a.sandbox?.replace(/^unsandboxed: .*/, 'no') ?? '-',
      a.reason ?? (a.command ?? []).join(' '),
    ]);
  }
  const notes = s.agents.filter((a) => a.lastRunNote).map((a) => `note      ${a.id}: last run: ${a.lastRunNote}`);
  return lines.join('\n') + table(rows) + '\n' + (notes.length ? `\n${notes.join('\n')}\n` : '');
}

export function fmtTasks(tasks: TaskInfo[], total: number): string {
  if (tasks.length === 0) return 'no tasks\n';
  const now = Date.now();
  const rows = [['ID', 'AGENT', 'TASK', 'STATE', 'PRIO', 'TRY', 'AGE', 'FILES', 'REASON']];
  for (const t of tasks) {
    rows.push([
      t.id,
      t.agent,
      t.task,
      t.state,
      t.priority,
      `${t.attempts}/${t.maxAttempts}`,
      fmtDuration(now - Date.parse(t.createdAt)),
      t.files.length === 0 ? '(all)' : t.files.length === 1 ? t.files[0]! : `${t.files[0]} +${t.files.length - 1}`,
      t.detail ?? t.reason ?? (t.findingCount ? `${t.findingCount} finding(s)` : ''),
    ]);
  }
  const more = total > tasks.length ? `\n… ${total - tasks.length} more (use --limit)` : '';
  return table(rows) + more + '\n';
}

export function fmtTask(t: TaskInfo): string {
  const lines = [
    `${t.id} ${t.agent}/${t.task} ${t.state}${t.reason ? ` (${t.reason})` : ''}${t.detail && t.detail !== t.reason ? `: ${t.detail}` : ''}`,
  ];
  // what an AI agent said last (its summary, or why it stopped)
  for (const l of t.outputTail ?? []) lines.push(`  | ${l}`);
  for (const f of t.findings ?? []) lines.push(fmtFinding(f));
  if (t.baselinedCount) lines.push(`(${t.baselinedCount} more finding(s) in the baseline not shown)`);
  if (t.suppressedCount) lines.push(`(${t.suppressedCount} finding(s) suppressed by the tool not shown)`);
  return lines.join('\n') + '\n';
}

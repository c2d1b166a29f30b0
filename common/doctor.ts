// The report of `agentic-bg doctor`: one line per check (✓ / ⚠ / ✗), what was found, what it means
// for the user and the exact fix. Shared so the CLI prints it and the extension renders the same
// `--json` shape (Agentic Background: Run Doctor). No vscode, no Node built-ins.

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  /** stable id, e.g. `runtime-dir`, `agent:lint:command` */
  id: string;
  /** short title shown first on the line */
  title: string;
  status: CheckStatus;
  /** what was found on this machine */
  found: string;
  /** what it means for the user (absent when everything is fine) */
  meaning?: string;
  /** the exact fix: a command, a config key or a README link */
  fix?: string;
}

export interface DoctorReport {
  workspace: string;
  version: string;
  platform: string;
  checks: DoctorCheck[];
  /** wall time the checks took */
  ms: number;
}

export interface SelfTestResult {
  id: string;
  title: string;
  status: CheckStatus;
  /** the measured figure or what was seen */
  found: string;
  ms: number;
}

export interface SelfTestReport {
  scratch: string;
  results: SelfTestResult[];
  ms: number;
}

export const STATUS_MARK: Record<CheckStatus, string> = { ok: '✓', warn: '⚠', fail: '✗', skip: '-' };

/** 0 when nothing failed, 1 otherwise (the exit code of `agentic-bg doctor`). */
export function doctorExitCode(checks: ReadonlyArray<{ status: CheckStatus }>): number {
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}

/** The plain-text form of a report, one check per line with its meaning and fix indented below. */
export function formatDoctor(r: DoctorReport): string {
  const lines = [`agentic-bg doctor ${r.version} · ${r.platform} · ${r.workspace}`, ''];
  for (const c of r.checks) {
    lines.push(`${STATUS_MARK[c.status]} ${c.title}: ${c.found}`);
    if (c.meaning) lines.push(`    ${c.meaning}`);
    if (c.fix) lines.push(`    fix: ${c.fix}`);
  }
  const n = (s: CheckStatus) => r.checks.filter((c) => c.status === s).length;
  lines.push('', `${n('ok')} ok, ${n('warn')} warning(s), ${n('fail')} problem(s) (${r.ms} ms)`);
  return lines.join('\n') + '\n';
}

export function formatSelfTestLine(t: SelfTestResult): string {
  return `${STATUS_MARK[t.status]} ${t.title}: ${t.found} (${(t.ms / 1000).toFixed(1)} s)`;
}

export function formatSelfTestSummary(r: SelfTestReport): string {
  const ran = r.results.filter((t) => t.status !== 'skip');
  const failed = ran.filter((t) => t.status === 'fail').length;
  return `${ran.length - failed} of ${ran.length} held (${(r.ms / 1000).toFixed(1)} s; scratch workspace ${r.scratch} removed)`;
}

export function formatSelfTest(r: SelfTestReport): string {
  return [...r.results.map(formatSelfTestLine), '', formatSelfTestSummary(r)].join('\n') + '\n';
}

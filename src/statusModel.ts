// The status bar's text, tooltip and tone from the state of every folder's host. Pure, so the
// words a user sees in each situation are unit-tested.
import type { HostStatus } from '../common/model';

export type ConnState = 'connecting' | 'connected' | 'stopped' | 'down';

export interface FolderHealth {
  name: string;
  conn: ConnState;
  /** the last connect / launch error, for the tooltip */
  detail?: string;
  status?: HostStatus;
  /** the window is not trusted: only built-in agents run */
  restricted: boolean;
  awaitingApproval: string[];
}

export type Tone = 'normal' | 'warning' | 'error';

export interface StatusView {
  text: string;
  tooltip: string; // Markdown
  tone: Tone;
}

const worse = (a: Tone, b: Tone): Tone =>
  a === 'error' || b === 'error' ? 'error' : a === 'warning' || b === 'warning' ? 'warning' : 'normal';

export function statusView(folders: readonly FolderHealth[], opts: { onSave: boolean }): StatusView {
  if (folders.length === 0) {
    return {
      text: '$(circle-slash) Agentic: no config',
      tooltip: 'No `agentic_config.yaml` in this workspace.\n\nClick for actions.',
      tone: 'normal',
    };
  }
  const connected = folders.filter((f) => f.conn === 'connected' && f.status);
  const restricted = folders.some((f) => f.restricted || f.status?.restricted);
  let tone: Tone = 'normal';
  let head: string;
  let icon: string;
  if (connected.length === 0) {
    if (folders.some((f) => f.conn === 'connecting')) [icon, head] = ['$(sync~spin)', 'starting'];
    else if (folders.every((f) => f.conn === 'stopped')) [icon, head] = ['$(debug-stop)', 'stopped'];
    else [icon, head, tone] = ['$(error)', 'host down', 'error'];
  } else {
    let running = 0;
    let queued = 0;
    for (const f of connected) {
      running += f.status!.queue.running;
      queued += f.status!.queue.queued + f.status!.queue.retrying;
    }
    [icon, head] =
      running + queued > 0 ? ['$(sync~spin)', `${running} running · ${queued} queued`] : ['$(check)', 'idle'];
  }
  const parts = [head];
  const quarantined = connected.flatMap((f) =>
    f.status!.agents.filter((a) => a.state === 'quarantined').map((a) => a.id),
  );
  if (quarantined.length) {
    parts.push(`${quarantined.length} quarantined`);
    tone = 'error';
  }
  const healthError = connected.some((f) => f.status!.health === 'error');
  const degraded = connected.some((f) => f.status!.health === 'degraded');
  if (healthError) {
    parts.push('error');
    tone = 'error';
  } else if (degraded && !quarantined.length) {
    parts.push('degraded');
    tone = worse(tone, 'warning');
  }
  const awaiting = folders.reduce((n, f) => n + f.awaitingApproval.length, 0);
  if (awaiting) {
    parts.push(`${awaiting} awaiting approval`);
    tone = worse(tone, 'warning');
  }
  if (restricted) {
    parts.push('restricted');
    tone = worse(tone, 'warning');
    if (icon === '$(check)') icon = '$(shield)';
  }
  if (!opts.onSave && connected.length) parts.push('on-save off');
  return { text: `${icon} Agentic: ${parts.join(' · ')}`, tooltip: tooltip(folders, opts), tone };
}

function tooltip(folders: readonly FolderHealth[], opts: { onSave: boolean }): string {
  const lines = ['**Agentic Background**', ''];
  for (const f of folders) {
    const s = f.status;
    if (f.conn !== 'connected' || !s) {
      const what =
        f.conn === 'stopped'
          ? 'stopped (start it from the actions)'
          : f.conn === 'connecting'
            ? 'starting…'
            : `not running${f.detail ? `: ${f.detail}` : ''}`;
      lines.push(`- **${f.name}**: host ${what}`);
      continue;
    }
    const q = s.queue;
    lines.push(
      `- **${f.name}**: host pid ${s.pid} (${s.launchedBy}), ${s.health}, ${q.running} running, ${q.queued} queued, ${q.retrying} retrying, ${q.failed} failed`,
    );
    for (const r of s.healthReasons) lines.push(`  - ${r}`);
    if (!s.config.valid) lines.push(`  - \`agentic_config.yaml\` has ${s.config.issues.length} issue(s)`);
    for (const a of s.agents)
      if (a.state === 'quarantined') lines.push(`  - agent \`${a.id}\` quarantined: ${a.reason ?? ''}`);
    if (f.awaitingApproval.length)
      lines.push(`  - awaiting approval: ${f.awaitingApproval.map((a) => `\`${a}\``).join(', ')}`);
  }
  if (folders.some((f) => f.restricted || f.status?.restricted))
    lines.push('', '$(shield) Restricted: the workspace is not trusted, so only built-in agents run.');
  lines.push('', `On save: ${opts.onSave ? 'on' : 'off'} · click for actions`);
  return lines.join('\n');
}

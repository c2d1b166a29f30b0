// Which agents to approve silently (the user approved this exact hash before) and which to ask
// about, from the host's AgentInfo and the approvals remembered in globalState. Pure.
import type { AgentInfo } from '../common/model';

export interface ApprovalPlan {
  /** approved earlier at this very hash: re-send agents/approve without asking */
  resend: Array<{ id: string; hash: string }>;
  /** never approved at this hash and not yet asked (or denied) in this session */
  ask: AgentInfo[];
}

export function planApprovals(
  agents: readonly AgentInfo[],
  remembered: Readonly<Record<string, string>>,
  askedOrDenied: ReadonlySet<string>,
): ApprovalPlan {
  const plan: ApprovalPlan = { resend: [], ask: [] };
  for (const a of agents) {
    if (a.approved !== false || !a.approvalHash) continue;
    if (remembered[a.id] === a.approvalHash) plan.resend.push({ id: a.id, hash: a.approvalHash });
    else if (!askedOrDenied.has(askKey(a.id, a.approvalHash))) plan.ask.push(a);
  }
  return plan;
}

export function askKey(id: string, hash: string): string {
  return `${id}@${hash}`;
}

/** The text of the approval prompt: exactly what would run, so the user can judge it. */
export function approvalDetail(a: AgentInfo, cwd: string, changed: boolean): string {
  return [
    changed
      ? `The command of agent "${a.id}" changed since you approved it.`
      : `Agent "${a.id}" from agentic_config.yaml wants to run a command.`,
    '',
    `argv: ${JSON.stringify(a.command ?? [])}`,
    `env keys: ${a.envKeys?.length ? a.envKeys.join(', ') : '(none)'}`,
    `cwd: ${cwd}`,
    '',
    'It runs on save and on demand until the command, its env keys or its cwd change.',
  ].join('\n');
}

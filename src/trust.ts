// Workspace Trust. Untrusted: hosts we launch get --restricted (only built-in agents
// run) and on-save submits only built-ins. Trusted: hosts we launch get --require-approval, and
// each `command` agent's (argv, env keys, cwd) is shown for approval before its first run; the
// approval is pinned to the host's hash of them and remembered per workspace folder in
// globalState, so it is re-sent on attach and asked again only when the command changes.
// See ARCHITECTURE.md: Invariants, Trust.
import * as vscode from 'vscode';
import { approvalDetail, askKey, planApprovals } from './approvals';
import type { Log } from './log';
import type { Session } from './session';
import type { AgentInfo } from '../common/model';
import { ApproveAgentRequest, CancelTaskRequest, ListTasksRequest } from '../common/protocol';

const STORE_KEY = 'agenticBackground.approvals';
type Store = Record<string, Record<string, string>>; // folder root → agent id → approved hash

export type ApprovalAnswer = 'approve' | 'deny' | undefined;
/** Shows the prompt; replaceable through the test API (a modal cannot be clicked from a test). */
export type ApprovalPrompt = (agent: AgentInfo, detail: string) => Thenable<ApprovalAnswer>;

const defaultPrompt: ApprovalPrompt = async (agent, detail) => {
  const pick = await vscode.window.showWarningMessage(
    `Allow agent "${agent.id}" to run?`,
    { modal: true, detail },
    'Approve',
    'Deny',
  );
  return pick === 'Approve' ? 'approve' : pick === 'Deny' ? 'deny' : undefined;
};

export class Trust implements vscode.Disposable {
  prompt: ApprovalPrompt = defaultPrompt;
  /** asked (answered or dismissed) in this window: not asked again until the hash changes */
  private readonly asked = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  /** root\0id@hash the user denied in this window: on-save does not submit to them */
  private readonly denied = new Set<string>();
  /** approvals on their way to a host: agents/didChange arriving meanwhile must not re-send */
  private readonly inflight = new Set<string>();

  constructor(
    private readonly globalState: vscode.Memento,
    private readonly log: Log,
  ) {}

  get trusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  launchFlags(): string[] {
    return this.trusted ? ['--require-approval'] : ['--restricted'];
  }

  private remembered(root: string): Record<string, string> {
    return this.globalState.get<Store>(STORE_KEY, {})[root] ?? {};
  }

  private async remember(root: string, id: string, hash: string): Promise<void> {
    const all = { ...this.globalState.get<Store>(STORE_KEY, {}) };
    all[root] = { ...(all[root] ?? {}), [id]: hash };
    await this.globalState.update(STORE_KEY, all);
  }

  /** Agents the host still holds for approval in this folder. */
  awaiting(s: Session): string[] {
    return s.agents.filter((a) => a.approved === false).map((a) => a.id);
  }

  /** Called whenever a folder's agents change: re-send known approvals, ask about new ones. */
  onAgents(s: Session): void {
    if (!this.trusted || !s.client.conn) return;
    const plan = planApprovals(s.agents, this.remembered(s.root), this.asked);
    for (const r of plan.resend) this.send(s, r.id, r.hash);
    for (const a of plan.ask) {
      this.asked.add(askKey(a.id, a.approvalHash!));
      // one prompt at a time; a failure must not stop the ones after it
      this.queue = this.queue.then(() => this.ask(s, a)).catch((err) => this.log.error('approval prompt failed', err));
    }
  }

  /** An agent the user denied at its current command: nothing is submitted to it on save. */
  isDenied(s: Session, id: string): boolean {
    const a = s.agents.find((x) => x.id === id);
    return !!a?.approvalHash && a.approved === false && this.denied.has(`${s.root}\0${askKey(id, a.approvalHash)}`);
  }

  /** The agents of this folder the user denied at their current command. */
  deniedAgents(s: Session): string[] {
    return s.agents.filter((a) => this.isDenied(s, a.id)).map((a) => a.id);
  }

  /** Review command: asks again about every agent still held, even ones dismissed before. */
  review(s: Session): void {
    for (const a of s.agents) {
      if (a.approved !== false || !a.approvalHash) continue;
      this.asked.delete(askKey(a.id, a.approvalHash));
      this.denied.delete(`${s.root}\0${askKey(a.id, a.approvalHash)}`);
    }
    this.onAgents(s);
  }

  private async ask(s: Session, a: AgentInfo): Promise<void> {
    const changed = this.remembered(s.root)[a.id] !== undefined;
    const answer = await this.prompt(a, approvalDetail(a, s.root, changed));
    if (answer === 'approve') {
      await this.remember(s.root, a.id, a.approvalHash!);
      this.send(s, a.id, a.approvalHash!);
    } else if (answer === 'deny') {
      this.denied.add(`${s.root}\0${askKey(a.id, a.approvalHash!)}`);
      this.log.warn(`[${s.name}] agent ${a.id} was denied; its queued tasks are cancelled`);
      const queued = await s.client.request(ListTasksRequest.type, { agent: a.id, state: 'queued' });
      await Promise.all(queued.tasks.map((t) => s.client.request(CancelTaskRequest.type, { id: t.id })));
    }
  }

  private send(s: Session, id: string, hash: string): void {
    const key = `${s.root}\0${askKey(id, hash)}`;
    if (this.inflight.has(key)) return;
    this.inflight.add(key);
    s.client
      .request(ApproveAgentRequest.type, { id, hash })
      .then((r) => {
        if (!r.approved) this.log.info(`[${s.name}] approval of ${id} is stale (its command changed); asking again`);
      })
      .catch((err) => this.log.error(`[${s.name}] agents/approve ${id} failed`, err))
      .finally(() => this.inflight.delete(key));
  }

  dispose(): void {
    this.asked.clear();
  }
}

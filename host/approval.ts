// Trust gates. A host launched by the extension for an untrusted workspace runs with
// --restricted: nothing the workspace file configures as a command may run, built-ins still do.
// A host launched for a trusted workspace runs with --require-approval: each `command` agent waits
// until a client approves the exact (argv, env keys, cwd) it would run; a config change that alters
// them changes the hash and holds the agent again. A CLI-started host has neither (the user ran it
// deliberately).
// See ARCHITECTURE.md: Invariants, Trust.
import { createHash } from 'node:crypto';
import type { AgentConfig } from '../common/configSchema';
import { approvalPayload } from '../common/approval';
import type { GateResult } from './queue/scheduler';

export const RESTRICTED_REASON = 'workspace not trusted: only built-in agents run';
export const AWAITING_APPROVAL_REASON = 'awaiting approval';

export class Approvals {
  /** agent id → the hash a client approved */
  private readonly approved = new Map<string, string>();

  constructor(
    private readonly cwd: string,
    readonly opts: { restricted: boolean; requireApproval: boolean },
  ) {}

  hash(a: AgentConfig): string {
    return createHash('sha256')
      .update(
        approvalPayload(
          a.command ?? [],
          Object.keys(a.env),
          this.cwd,
          {
            ...(a.persona !== undefined ? { persona: a.persona } : {}),
            ...(a.prompt !== undefined ? { prompt: a.prompt } : {}),
          },
          a.sandbox.enabled ? a.sandbox : undefined,
        ),
      )
      .digest('hex');
  }

  isApproved(a: AgentConfig): boolean {
    return !this.opts.requireApproval || this.approved.get(a.id) === this.hash(a);
  }

  /** Records an approval when the hash is the agent's current one; returns whether it was. */
  approve(a: AgentConfig, hash: string): boolean {
    if (this.hash(a) !== hash) return false;
    this.approved.set(a.id, hash);
    return true;
  }

  /** For HostCore.addGate: untrusted refuses commands outright, unapproved ones wait. */
  gate(a: AgentConfig): GateResult | undefined {
    if (a.kind !== 'command') return undefined;
    if (this.opts.restricted) return { reason: RESTRICTED_REASON, refuse: true };
    if (!this.isApproved(a)) return { reason: AWAITING_APPROVAL_REASON, refuse: false };
    return undefined;
  }
}

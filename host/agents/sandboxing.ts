// The sandbox as the task runner sees it: the machine's tier (probed once), each agent's label for
// status, and for one attempt either the argv that runs it sandboxed, a refusal (`required: true`
// and no sandbox here), or the plain argv with a warning (sandbox wanted, none available).
import type { AgentConfig } from '../../common/configSchema';
import type { Logger } from '../logger';
import { prepareSandbox, type SandboxContext } from '../sandbox/attempt';
import { detectSandbox, sandboxLabel, type SandboxTier } from '../sandbox/detect';

export type SandboxDecision = { argv: string[]; close(): Promise<void> } | { refused: string };

export class Sandboxing {
  private tier: SandboxTier | undefined;
  private probing: Promise<SandboxTier> | undefined;

  constructor(
    private readonly ctx: Omit<SandboxContext, 'onDeny'>,
    private readonly logger: Logger,
  ) {}

  probe(): Promise<SandboxTier> {
    this.probing ??= detectSandbox(this.ctx.env).then((t) => (this.tier = t));
    return this.probing;
  }

  label(a: AgentConfig): string {
    return sandboxLabel(a.sandbox, this.tier);
  }

  async wrap(a: AgentConfig, argv: string[], taskId: string): Promise<SandboxDecision> {
    const none = { argv, close: async () => undefined };
    if (!a.sandbox.enabled) return none;
    const tier = await this.probe();
    if (tier.kind === 'none') {
      if (a.sandbox.required)
        return { refused: `sandbox required (sandbox.required: true) but none is available here: ${tier.reason}` };
      this.logger.warn('agent runs unsandboxed', { agent: a.id, taskId, reason: tier.reason });
      return none;
    }
    return prepareSandbox(a.sandbox, argv, {
      ...this.ctx,
      onDeny: (host, port) =>
        this.logger.warn('sandbox refused a connection: not in the network allow-list', {
          agent: a.id,
          taskId,
          host,
          port,
        }),
    });
  }
}

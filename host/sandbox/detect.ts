// Whether this machine can sandbox agents, and with what: bubblewrap on Linux when it is on PATH
// and can create its namespaces here (a quick probe, once per host). Seatbelt on macOS is not used
// yet. The answer names the reason when there is no sandbox, for status and `agentic-bg doctor`.
import { execFile } from 'node:child_process';

export type SandboxTier = { kind: 'bubblewrap'; version: string } | { kind: 'none'; reason: string };

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 5000, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ ok: !err, out: `${stdout}${stderr}`.trim() }),
    );
  });
}

export async function detectSandbox(env: NodeJS.ProcessEnv = process.env): Promise<SandboxTier> {
  if (process.platform !== 'linux') return { kind: 'none', reason: `no sandbox on ${process.platform} yet` };
  const v = await run('bwrap', ['--version'], env);
  if (!v.ok) return { kind: 'none', reason: 'bubblewrap (bwrap) is not installed' };
  const probe = await run('bwrap', ['--ro-bind', '/', '/', '--unshare-net', '--unshare-pid', 'true'], env);
  if (!probe.ok)
    return { kind: 'none', reason: `bubblewrap cannot create namespaces here: ${probe.out.split('\n')[0]}` };
  return { kind: 'bubblewrap', version: v.out.replace(/^bubblewrap\s*/, '') };
}

/** How status shows an agent's sandbox: `sandboxed (bubblewrap)` or `unsandboxed: why`. */
export function sandboxLabel(cfg: { enabled: boolean; off?: true }, tier: SandboxTier | undefined): string {
  if (cfg.off) return 'unsandboxed: sandbox: off in agentic_config.yaml';
  if (!cfg.enabled) return 'unsandboxed: no sandbox: block in agentic_config.yaml';
  if (!tier) return 'sandbox: not probed yet';
  return tier.kind === 'bubblewrap' ? 'sandboxed (bubblewrap)' : `unsandboxed: ${tier.reason}`;
}

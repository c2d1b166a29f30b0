// One attempt of a sandboxed agent: its private temp dir, the policy made concrete (which paths
// exist, what is written where), the filtering proxy when it has a network allow-list, and the argv
// that runs it under bubblewrap. `close()` removes what the attempt made.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { SandboxConfig } from '../../common/configSchema';
import { bwrapArgs, defaultReadDeny, PROXY_SOCKET_NAME, type PathKind, type SandboxPolicy } from './policy';
import { startProxy, type ProxyHandle } from './proxy';

export interface SandboxedAttempt {
  argv: string[];
  policy: SandboxPolicy;
  close(): Promise<void>;
}

export interface SandboxContext {
  workspace: string;
  /** the per-user runtime dirs of hosts (sockets, tokens; the fallbacks too): always hidden */
  runtimeDirs: string[];
  /** dist/sandbox-bridge.js */
  bridge: string;
  /** the runtime that runs the bridge (the host's own Node) */
  node: string;
  env: NodeJS.ProcessEnv;
  /** a refused connection, for the task log */
  onDeny(host: string, port: number): void;
}

function place(p: string, workspace: string, home: string): string {
  if (p === '~' || p.startsWith('~/')) return join(home, p.slice(1));
  return isAbsolute(p) ? p : resolve(workspace, p);
}

async function kinds(paths: string[]): Promise<Map<string, PathKind>> {
  const m = new Map<string, PathKind>();
  await Promise.all(
    paths.map(async (p) => {
      const st = await stat(p).catch(() => undefined);
      m.set(p, st ? (st.isDirectory() ? 'dir' : 'file') : undefined);
    }),
  );
  return m;
}

export async function prepareSandbox(
  cfg: SandboxConfig,
  argv: string[],
  ctx: SandboxContext,
): Promise<SandboxedAttempt> {
  const home = ctx.env.HOME || homedir();
  const tmp = await mkdtemp(join(tmpdir(), 'agbg-agent-'));
  const network: SandboxPolicy['network'] = cfg.network.length
    ? { kind: 'allow', domains: cfg.network }
    : { kind: 'none' };
  const policy: SandboxPolicy = {
    // the workspace, and what runs first: the bridge and an absolute program, which /tmp's private
    // tmpfs would hide if they lie under /tmp (a checkout or an install there)
    read: [
      ctx.workspace,
      ...(network.kind === 'allow' ? [ctx.bridge] : []),
      ...(isAbsolute(argv[0] ?? '') ? [argv[0]!] : []),
    ],
    write: cfg.write.map((p) => place(p, ctx.workspace, home)),
    readDeny: defaultReadDeny(
      home,
      ctx.runtimeDirs,
      cfg.readDeny.map((p) => place(p, ctx.workspace, home)),
    ),
    network,
    tmpDir: tmp,
  };
  let proxy: ProxyHandle | undefined;
  try {
    if (network.kind === 'allow') proxy = await startProxy(join(tmp, PROXY_SOCKET_NAME), network.domains, ctx.onDeny);
    const inner = proxy ? [ctx.node, ctx.bridge, proxy.socket, '--', ...argv] : argv;
    const k = await kinds([...policy.read, ...policy.write, ...policy.readDeny, tmp]);
    return {
      argv: ['bwrap', ...bwrapArgs(policy, inner, (p) => k.get(p))],
      policy,
      close: async () => {
        await proxy?.close();
        await rm(tmp, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await proxy?.close();
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

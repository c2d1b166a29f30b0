// What an agent may touch, and the bubblewrap command line that enforces it. Pure: the caller
// says which paths exist (and whether they are directories); nothing here does I/O.
//
// The agent sees the whole file system read-only except /tmp, which is an empty tmpfs of its own
// (other users' files and sockets there stay hidden) with the paths it needs bound back in: what
// it reads (the workspace), what it may write (its worktree, declared caches) and its own temp dir
// (TMPDIR). Every denied path is hidden (an empty tmpfs over a directory, /dev/null over a file).
// Later binds win in bubblewrap, so the order is: read-only root, /tmp, readable, writable,
// denials: a denied path inside a writable one stays hidden. It gets its own PID namespace (it cannot see or
// signal the user's processes), and no network unless an allow-list routes it through the host's
// filtering proxy.

export interface SandboxPolicy {
  /** absolute paths the agent reads (the workspace): bound back in when they lie under /tmp */
  read: string[];
  /** absolute paths the agent may write (its worktree, declared caches) */
  write: string[];
  /** absolute paths the agent may not read (secret stores, the host's runtime dir, …) */
  readDeny: string[];
  /**
   * none: no network at all. allow: only these domains (and their subdomains), through the host's
   * proxy, whose socket the host puts in tmpDir (PROXY_SOCKET_NAME).
   */
  network: { kind: 'none' } | { kind: 'allow'; domains: string[] };
  /** the agent's own temp dir (writable, TMPDIR inside) */
  tmpDir: string;
}

export type PathKind = 'dir' | 'file' | undefined;

/** inside the sandbox, where the proxy bridge listens (loopback of the agent's own network namespace) */
export const PROXY_PORT = 3128;
/** the host's filtering proxy: a Unix socket of this name in the agent's temp dir */
export const PROXY_SOCKET_NAME = '.agentic-proxy.sock';

/** the secret stores hidden from every agent, relative to $HOME */
export const HOME_SECRETS = [
  '.ssh',
  '.aws',
  '.azure',
  '.config/gcloud',
  '.config/gh',
  '.config/hub',
  '.docker/config.json',
  '.kube',
  '.gnupg',
  '.netrc',
  '.npmrc',
  '.pypirc',
  '.git-credentials',
  '.password-store',
  '.local/share/keyrings',
  '.cache/agentic-bg',
];

/** `runtimeDirs`: every directory a host of this user may keep its socket and token in */
export function defaultReadDeny(home: string, runtimeDirs: string | string[], extra: string[] = []): string[] {
  return [...HOME_SECRETS.map((p) => `${home}/${p}`), ...[runtimeDirs].flat(), ...extra];
}

/**
 * The bubblewrap argv (without the leading `bwrap`) that runs `argv` under `p`. `kind` tells
 * which paths exist: a path that does not exist needs no hiding and cannot be bound.
 */
export function bwrapArgs(p: SandboxPolicy, argv: string[], kind: (path: string) => PathKind): string[] {
  const a = [
    '--die-with-parent',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--tmpfs',
    '/tmp',
    '--unshare-net',
  ];
  for (const r of p.read) if (kind(r)) a.push('--ro-bind', r, r);
  for (const w of [...p.write, p.tmpDir]) if (kind(w)) a.push('--bind', w, w);
  for (const d of p.readDeny) {
    const k = kind(d);
    if (k === 'dir') a.push('--tmpfs', d);
    else if (k === 'file') a.push('--ro-bind', '/dev/null', d);
  }
  a.push('--setenv', 'TMPDIR', p.tmpDir, '--', ...argv);
  return a;
}

/** Whether `host` is allowed by `domains` (an entry allows itself and its subdomains; `*` all). */
export function domainAllowed(host: string, domains: string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return domains.some((d) => {
    const x = d.toLowerCase().replace(/^\*\./, '').replace(/\.$/, '');
    return x === '*' || h === x || h.endsWith(`.${x}`);
  });
}

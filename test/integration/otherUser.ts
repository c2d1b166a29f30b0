// A second local user for the tests where "another user" attacks the host: a real uid, created
// on first use (CI runs as root on a fresh machine), and node processes run as that uid.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { NODE } from './helpers';

const run = promisify(execFile);
export const OTHER_USER = 'agbgother';

export interface OtherUser {
  uid: number;
  gid: number;
}

/** The other user (created with `useradd -M` when missing), or why these tests cannot run here. */
export async function otherUser(): Promise<OtherUser | string> {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root, to create and become a second user';
  const id = async () => {
    const [u, g] = await Promise.all([run('id', ['-u', OTHER_USER]), run('id', ['-g', OTHER_USER])]);
    return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
  };
  try {
    return await id();
  } catch {
    await run('useradd', ['-M', '-s', '/usr/sbin/nologin', OTHER_USER]);
    return id();
  }
}

export interface Attacker {
  child: ChildProcess;
  /** everything it printed so far */
  output(): string;
  /** resolves with its first line of output that matches */
  line(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** Runs a node script as the other user; it reports on stdout, one line per event. */
export function runAs(user: OtherUser, script: string, env: NodeJS.ProcessEnv = {}): Attacker {
  const child = spawn(NODE, ['-e', script], {
    uid: user.uid,
    gid: user.gid,
    cwd: '/',
    env: { PATH: process.env.PATH, HOME: '/', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: Array<() => void> = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  child.on('exit', () => waiters.splice(0).forEach((w) => w()));
  return {
    child,
    output: () => out,
    line: (re, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the other user's process never printed ${re}: ${out}`)),
          timeoutMs,
        );
        const check = () => {
          const m = out.split('\n').find((l) => re.test(l));
          if (m !== undefined) {
            clearTimeout(timer);
            resolve(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            reject(new Error(`the other user's process exited (${child.exitCode ?? child.signalCode}): ${out}`));
          } else waiters.push(check);
        };
        check();
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const grace = setTimeout(() => child.kill('SIGKILL'), 2000);
      await gone;
      clearTimeout(grace);
    },
  };
}

// One host per workspace. On Linux the lock is an abstract Unix socket bound by the host: the
// kernel releases it the instant the process dies (kill -9 included), so there is no stale lock to
// judge and no pid to misread. Elsewhere, an O_EXCL lock file holding pid + start time, judged
// stale only when that pid is dead (a reused pid is never trusted: see isStaleLockOwner).
import { createServer, type Server } from 'node:net';
import { open, readFile, unlink } from 'node:fs/promises';

export interface HostLock {
  release(): Promise<void>;
}

export class LockHeldError extends Error {
  constructor(readonly detail: string) {
    super(`another host holds the lock for this workspace (${detail})`);
  }
}

async function lockAbstract(name: string): Promise<HostLock> {
  const server: Server = createServer((s) => s.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new LockHeldError('abstract socket in use') : err),
    );
    server.listen(name, () => resolve());
  });
  server.unref();
  return { release: () => new Promise<void>((r) => server.close(() => r())) };
}

async function lockFile(file: string): Promise<HostLock> {
  for (let i = 0; i < 2; i++) {
    try {
      const fh = await open(file, 'wx', 0o600);
      await fh.writeFile(JSON.stringify({ pid: process.pid }));
      await fh.close();
      return { release: () => unlink(file).catch(() => undefined) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = await readFile(file, 'utf8').then(
        (t) => JSON.parse(t) as { pid?: number },
        () => ({}) as { pid?: number },
      );
      if (owner.pid && pidAlive(owner.pid)) throw new LockHeldError(`pid ${owner.pid}`);
      await unlink(file).catch(() => undefined);
    }
  }
  throw new LockHeldError('lock file contended');
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireHostLock(paths: { lockName: string; lockFile: string }): Promise<HostLock> {
  return process.platform === 'linux' ? lockAbstract(paths.lockName) : lockFile(paths.lockFile);
}

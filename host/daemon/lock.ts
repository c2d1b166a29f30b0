// One host per workspace. On Linux the lock is an abstract Unix socket bound by the host: the
// kernel releases it the instant the process dies (kill -9 included), so there is no stale lock to
// judge and no pid to misread. Abstract names are open to every local user, so the name is not
// computable by another user: it is an HMAC of the workspace hash under a per-user key kept in a
// private dir (HostPaths.lockKeys). A name can still be seen in /proc/net/unix while a host holds
// it, and bound by someone else once that host is gone; so a name found taken is judged by its
// holder's uid (socketOwner.ts): our own → another host runs; another user's → that name is
// skipped for the next one derived from the key, up to LOCK_NAMES.
// Known gap: a squatter that lets go of name i just as one host passes it for i+1 and another
// takes i can give two hosts; walkNames' re-check of the lower names narrows that to a moment.
// Elsewhere, an O_EXCL lock file in the 0700 runtime dir holding the pid, judged stale only when
// that pid is dead.
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { link, lstat, mkdir, open, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { uid } from '../../common/node/paths';
import { abstractSocketHolder, type SocketHolder } from './socketOwner';

export interface HostLock {
  release(): Promise<void>;
  /** lock names passed over because another user's process held them (Linux) */
  squatted: string[];
}

export class LockHeldError extends Error {
  constructor(readonly detail: string) {
    super(`another host holds the lock for this workspace (${detail})`);
  }
}

/** Every lock name of the workspace is held by another user: no host can start. */
export class LockSquattedError extends Error {
  constructor(readonly holders: string[]) {
    super(
      `cannot take the lock for this workspace: all ${holders.length} of its lock names are held by ` +
        `processes of other users (${holders.join('; ')}); stop them, or ask an administrator to`,
    );
  }
}

export const LOCK_NAMES = 8;

// a place we cannot write to: the next one is tried
const UNUSABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOENT', 'ENOTDIR']);

/** The per-user lock key from the first of `files` that can hold it (HostPaths.lockKeys). */
export async function lockKey(files: readonly string[]): Promise<Buffer> {
  const tried: string[] = [];
  for (const file of files) {
    try {
      return await keyAt(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!code || !UNUSABLE.has(code)) throw err;
      tried.push(`${file}: ${code}`);
    }
  }
  throw new Error(`no place to keep the lock key (${tried.join('; ')})`);
}

/** Created once (atomically, complete) in a private dir of ours, then only read. */
async function keyAt(file: string): Promise<Buffer> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  if (!st.isDirectory() || st.uid !== uid() || (st.mode & 0o022) !== 0)
    throw new Error(`${dir} is not a private directory of this user; the lock key cannot be kept there`);
  for (let i = 0; i < 3; i++) {
    try {
      const st = await lstat(file);
      if (!st.isFile() || st.uid !== uid() || (st.mode & 0o077) !== 0)
        throw new Error(`${file} is not a private file of this user; remove it`);
      const hex = (await readFile(file, 'utf8')).trim();
      if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${file} does not hold a lock key; remove it`);
      return Buffer.from(hex, 'hex');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    // written under a unique name, then linked into place: a reader never sees half a key, and of
    // two hosts creating it at once, the second's link fails and it reads the first one's key
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await writeFile(tmp, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    await link(tmp, file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    await unlink(tmp).catch(() => undefined);
  }
  throw new Error(`${file}: cannot create the lock key`);
}

/** The i-th abstract lock name of a workspace (without the leading NUL). */
export function lockName(key: Buffer, hash: string, i: number): string {
  return `agentic-bg-${createHmac('sha256', key).update(`${hash}:${i}`).digest('hex').slice(0, 32)}`;
}

function bindAbstract(name: string): Promise<Server | undefined> {
  const server: Server = createServer((s) => s.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err),
    );
    server.listen('\0' + name, () => resolve(server));
  });
}

const describe = (h: SocketHolder & { kind: 'foreign' }) =>
  h.pid !== undefined ? `pid ${h.pid} of uid ${h.uid}` : 'a process of another user';

async function lockAbstract(key: Buffer, hash: string): Promise<HostLock> {
  for (let walk = 0; walk < 3; walk++) {
    const squatted: string[] = [];
    const got = await walkNames(key, hash, squatted);
    if (!got) throw new LockSquattedError(squatted);
    const { server, index } = got;
    // a lower name freed since we passed it would be taken by the next host to start: start over
    let lowerFreed = false;
    for (let j = 0; j < index && !lowerFreed; j++)
      lowerFreed = (await abstractSocketHolder(lockName(key, hash, j), uid())).kind !== 'foreign';
    if (lowerFreed) {
      await new Promise<void>((r) => server.close(() => r()));
      continue;
    }
    server.unref();
    return { squatted, release: () => new Promise<void>((r) => server.close(() => r())) };
  }
  throw new LockHeldError('lock names contended');
}

/** Binds the first lock name that is free; undefined when every one is another user's. */
async function walkNames(
  key: Buffer,
  hash: string,
  squatted: string[],
): Promise<{ server: Server; index: number } | undefined> {
  for (let i = 0; i < LOCK_NAMES; i++) {
    const name = lockName(key, hash, i);
    for (let attempt = 0; ; attempt++) {
      const server = await bindAbstract(name);
      if (server) return { server, index: i };
      const holder = await abstractSocketHolder(name, uid());
      if (holder.kind === 'mine') throw new LockHeldError(`pid ${holder.pid}`);
      if (holder.kind === 'foreign') {
        squatted.push(`lock name ${i} by ${describe(holder)}`);
        break;
      }
      // released between our bind and our look: bind again (a few times: hosts may be racing)
      if (attempt >= 5) throw new LockHeldError('lock name contended');
    }
  }
  return undefined;
}

async function lockFile(file: string): Promise<HostLock> {
  for (let i = 0; i < 2; i++) {
    try {
      const fh = await open(file, 'wx', 0o600);
      await fh.writeFile(JSON.stringify({ pid: process.pid }));
      await fh.close();
      return { squatted: [], release: () => unlink(file).catch(() => undefined) };
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

export async function acquireHostLock(paths: {
  hash: string;
  lockKeys: readonly string[];
  lockFile: string;
}): Promise<HostLock> {
  if (process.platform !== 'linux') return lockFile(paths.lockFile);
  return lockAbstract(await lockKey(paths.lockKeys), paths.hash);
}

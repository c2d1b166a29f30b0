// Who holds a listening abstract Unix socket: Node has no SO_PEERCRED, so the kernel's own tables
// answer instead. /proc/net/unix maps the name to the socket's inode; /proc/PID/fd/* of the
// processes we may look into maps the inode to a process, whose /proc/PID owner is its uid.
import { readdir, readFile, readlink, stat } from 'node:fs/promises';

export type SocketHolder =
  | { kind: 'none' } // nobody listens on the name (any more)
  | { kind: 'mine'; pid: number }
  | { kind: 'foreign'; pid?: number; uid?: number }; // another user: a process we cannot look into

const ACCEPTCON = 0x10000; // __SO_ACCEPTCON: a listening socket

/** Inodes of the sockets listening on the abstract name (given without its leading NUL). */
export function listeningInodes(procNetUnix: string, abstractName: string): number[] {
  const want = '@' + abstractName;
  const out: number[] = [];
  for (const line of procNetUnix.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // Num RefCount Protocol Flags Type St Inode Path
    // libuv binds an abstract name with the whole sun_path, padded with NULs (shown as @)
    if (f.length < 8 || f[7]!.replace(/@+$/, '') !== want) continue;
    if ((parseInt(f[3]!, 16) & ACCEPTCON) === 0) continue;
    const inode = Number(f[6]);
    if (Number.isInteger(inode) && inode > 0) out.push(inode);
  }
  return out;
}

/**
 * From /proc/PID/status: the owner of /proc/PID is root for a process that changed its uid (it is
 * no longer "dumpable"), so it cannot tell who that process is.
 */
async function effectiveUid(pid: string): Promise<number> {
  const m = /^Uid:\s+\d+\s+(\d+)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`/proc/${pid}/status has no Uid line`);
  return Number(m[1]);
}

async function holderOf(inodes: Set<number>, me: number): Promise<{ pid: number; uid: number } | undefined> {
  const wanted = new Set([...inodes].map((i) => `socket:[${i}]`));
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // another user's fd table is closed to us unless we are root: no need to try
      if (me !== 0 && (await stat(`/proc/${d}`)).uid !== me) continue;
      for (const fd of await readdir(`/proc/${d}/fd`)) {
        const target = await readlink(`/proc/${d}/fd/${fd}`).catch(() => '');
        if (wanted.has(target)) return { pid: Number(d), uid: await effectiveUid(d) };
      }
    } catch {
      // the process went away, or its fds are closed to us
    }
  }
  return undefined;
}

/** Who listens on the abstract name (without its leading NUL), judged by uid. Linux only. */
export async function abstractSocketHolder(abstractName: string, me: number): Promise<SocketHolder> {
  const read = () => readFile('/proc/net/unix', 'utf8').then((t) => listeningInodes(t, abstractName));
  const before = await read();
  if (before.length === 0) return { kind: 'none' };
  const found = await holderOf(new Set(before), me);
  if (found) return found.uid === me ? { kind: 'mine', pid: found.pid } : { kind: 'foreign', ...found };
  // nobody we can see holds it: either it was just released, or another user holds it
  const after = await read();
  if (!after.some((i) => before.includes(i))) return { kind: 'none' };
  return { kind: 'foreign' };
}

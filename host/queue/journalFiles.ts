// File primitives of the queue journal: atomic replace, directory sync, keeping a damaged file
// aside. Separate from journal.ts so the group-commit logic there stays readable.
import { constants } from 'node:fs';
import { copyFile, open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export function tmpPath(file: string): string {
  return `${file}.tmp`;
}

/** `.agentic/` must never be committed by accident: it ignores itself. */
export async function ensureGitignore(dir: string): Promise<void> {
  try {
    await writeFile(join(dir, '.gitignore'), '*\n', { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** Copies the damaged journal to `<file>.corrupt-<ISO time without colons>`; returns that path. */
export async function keepAside(file: string): Promise<string> {
  // A copy, not a rename: until the salvaged journal replaces the original, a crash leaves the
  // original in place and the next start simply salvages again.
  const stamp = new Date().toISOString().replace(/:/g, '');
  for (let i = 0; ; i++) {
    const target = `${file}.corrupt-${stamp}${i === 0 ? '' : `-${i}`}`;
    try {
      await copyFile(file, target, constants.COPYFILE_EXCL);
      return target;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || i >= 100) throw err;
    }
  }
}

/** tmp file, write, fsync, rename over, fsync the directory: readers see the old or the new file, never a mix. */
export async function writeAtomic(
  file: string,
  text: string,
  durable: boolean,
  onSync: () => void = () => {},
): Promise<void> {
  const tmp = tmpPath(file);
  try {
    const h = await open(tmp, 'w', 0o600);
    try {
      await h.writeFile(text, 'utf8');
      if (durable) {
        await h.sync();
        onSync();
      }
    } finally {
      await h.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  if (durable) {
    await syncDir(dirname(file));
    onSync();
  }
}

export async function syncDir(dir: string): Promise<void> {
  let h: FileHandle | undefined;
  try {
    h = await open(dir, 'r');
    await h.sync();
  } catch (err) {
    // Windows cannot open or fsync a directory; there the rename is as durable as it gets.
    const code = (err as NodeJS.ErrnoException).code;
    if (process.platform !== 'win32' && code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw err;
  } finally {
    await h?.close();
  }
}

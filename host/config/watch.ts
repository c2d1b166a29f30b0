// Hot reload: tells the host when agentic_config.yaml really changed.
//
// The directory is watched, not the file: editors save by writing a temporary file and renaming it
// over the original (a file watch would follow the old inode and go quiet), the file may not exist
// yet, and it may be deleted and re-created. Events are noisy (one save is often truncate + write +
// chmod, or several renames), so they are debounced and the content is hashed: onChange runs only
// when the bytes (or the file's existence) differ from what the last call saw.
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, dirname, resolve } from 'node:path';
import { nullLogger, type Logger } from '../logger';
import { MAX_CONFIG_BYTES } from './readConfig';

export interface ConfigWatcher {
  /** Stops watching; no onChange runs after it returns. Safe to call unbound and more than once. */
  close(): void;
  /** Resolves once the baseline content has been read: changes after this are reported. */
  ready: Promise<void>;
}

export interface WatchOptions {
  debounceMs?: number;
  logger?: Logger;
}

/** How long to wait before watching again when the directory cannot be watched (yet). */
const REWATCH_MS = 1000;

export function watchConfig(file: string, onChange: () => void, opts: WatchOptions = {}): ConfigWatcher {
  const path = resolve(file);
  const dir = dirname(path);
  const name = basename(path);
  const debounceMs = opts.debounceMs ?? 150;
  const log = (opts.logger ?? nullLogger).child({ component: 'config-watch' });

  let closed = false;
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let rewatch: NodeJS.Timeout | undefined;
  let last: string | undefined; // fingerprint seen by the last onChange (or the baseline)

  /** "missing", "unreadable:EACCES" or the sha256 of the content. */
  const fingerprint = async (): Promise<string> => {
    try {
      // a file over the size cap is refused unread by the loader: hashing 50 MB here would hold
      // the event loop for as long as the loader is careful not to
      const st = await stat(path);
      if (st.isFile() && st.size > MAX_CONFIG_BYTES) return `large:${st.size}:${st.mtimeMs}:${st.ino}`;
      return createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
      // A file that became unreadable is a change too: the loader will report why.
      return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : `unreadable:${code}`;
    }
  };

  // Checks run one after another so two reads never race to set `last`.
  let chain: Promise<void> = (async () => {
    last = await fingerprint();
  })();
  const ready = chain;

  const check = (): void => {
    chain = chain.then(async () => {
      if (closed) return;
      const now = await fingerprint();
      if (closed || now === last) return;
      last = now;
      log.debug('config file changed', { file: path, state: now.length === 64 ? 'present' : now });
      try {
        const r: unknown = onChange();
        if (r instanceof Promise)
          r.catch((err: unknown) => log.error('config change handler failed', { err: String(err) }));
      } catch (err) {
        log.error('config change handler failed', { err: String(err) });
      }
    });
  };

  const schedule = (): void => {
    if (closed) return;
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = undefined;
      check();
    }, debounceMs);
  };

  const stopWatcher = (): void => {
    try {
      watcher?.close();
    } catch {
      // already closed: nothing to release
    }
    watcher = undefined;
  };

  const retryLater = (): void => {
    if (closed || rewatch) return;
    rewatch = setTimeout(() => {
      rewatch = undefined;
      start();
      schedule(); // whatever happened while blind is picked up by the hash comparison
    }, REWATCH_MS);
  };

  function start(): void {
    if (closed) return;
    try {
      watcher = watch(dir, { persistent: true }, (_event, filename) => {
        // Some platforms omit the name; then any event in the directory may be ours.
        if (filename == null || filename.toString() === name) schedule();
      });
      watcher.on('error', (err) => {
        log.warn('config directory watch failed; retrying', { dir, err: String(err) });
        stopWatcher();
        retryLater();
      });
    } catch (err) {
      log.warn('cannot watch the config directory; retrying', { dir, err: String(err) });
      stopWatcher();
      retryLater();
    }
  }

  start();

  return {
    ready,
    close: (): void => {
      closed = true;
      if (debounce) clearTimeout(debounce);
      if (rewatch) clearTimeout(rewatch);
      debounce = rewatch = undefined;
      stopWatcher();
    },
  };
}

// Everything the bench starts (hosts, redis-server, helper processes, temp dirs) registers how to
// undo it here, so a crash or Ctrl-C still leaves nothing running or lying around.
const actions = new Set<() => void>();

/** Registers a synchronous undo; returns a function that unregisters it (after a normal stop). */
export function onCleanup(fn: () => void): () => void {
  actions.add(fn);
  return () => void actions.delete(fn);
}

export function runCleanup(): void {
  for (const fn of [...actions].reverse()) {
    try {
      fn();
    } catch {
      // best effort: keep undoing the rest
    }
  }
  actions.clear();
}

let installed = false;
export function installCleanupHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runCleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      runCleanup();
      process.exit(130);
    });
  }
}

// The CLI's stdout and stderr, and its exit. A pipe takes 64 KiB at once; the rest of a write
// waits in the stream, and process.exit() right after it would drop it (`status --json | jq` got
// a cut document and exit 0). So the exit waits until both streams have handed everything over.
export const out = (s: string): void => void process.stdout.write(s.endsWith('\n') ? s : s + '\n');
export const json = (v: unknown): void => out(JSON.stringify(v, null, 2));

let exiting = false;

/** true once exitAfterFlush has been called: the process is only waiting for its output */
export const exitStarted = (): boolean => exiting;

/** Exits with `code` once everything written to stdout and stderr is flushed (or cannot be). */
export function exitAfterFlush(code: number): void {
  if (exiting) return;
  exiting = true;
  process.exitCode = code;
  let pending = 2;
  for (const s of [process.stdout, process.stderr]) {
    let flushed = false;
    const done = (): void => {
      if (flushed) return;
      flushed = true;
      if (--pending === 0) process.exit(code);
    };
    // a reader that went away (`| head -1`): EPIPE; the exit code stays what the command said
    s.on('error', done);
    // callbacks run in write order: this one runs once every earlier chunk is written
    s.write('', done);
  }
}

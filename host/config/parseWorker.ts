// Validating a reload off the event loop. Parsing YAML and running zod over a file near the size
// cap takes hundreds of ms on a loaded machine; in a worker thread, `status` and every other
// request keep being answered meanwhile. The worker is the validator bundle itself
// (dist/config-validator.js), with a heap cap and a deadline, so a hostile file can cost the
// worker, never the host. Run from source (unit tests under tsx) there is no bundle: the caller
// then validates in-thread.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ConfigIssue } from '../../common/model';
import type { ResolvedConfig } from '../../common/configSchema';
import { PARSE_JOB, type ParseJob } from './parseJob';

const WORKER_HEAP_MB = 512;
const DEADLINE_MS = 60_000;

/** The bundled validator next to the host's bundle, if this is a build. */
function workerScript(): string | undefined {
  const f = join(__dirname, 'config-validator.js');
  return __filename.endsWith('.js') && existsSync(f) ? f : undefined;
}

/** What the worker answers: a WorkerResult without `raw` (validator.ts). */
export type WorkerResult =
  { ok: true; config: ResolvedConfig; issues: ConfigIssue[] } | { ok: false; issues: ConfigIssue[] };

/** undefined: no worker can run here (not a build); validate in-thread instead. */
export function parseOffThread(
  text: string | undefined,
  file: string,
  deadlineMs = DEADLINE_MS,
): Promise<WorkerResult> | undefined {
  const script = workerScript();
  if (!script) return undefined;
  const job: ParseJob = { text, file };
  return new Promise<WorkerResult>((resolve) => {
    const w = new Worker(script, {
      workerData: { [PARSE_JOB]: job },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      stdout: true,
      stderr: true,
    });
    let settled = false;
    const done = (r: WorkerResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
      void w.terminate();
    };
    const fail = (message: string): void => done({ ok: false, issues: [{ severity: 'error', message, path: '' }] });
    const timer = setTimeout(
      () => fail(`validating the file took longer than ${deadlineMs / 1000} s; it was abandoned`),
      deadlineMs,
    );
    w.once('message', (r: WorkerResult) => done(r));
    w.once('error', (err) =>
      fail(
        /heap|memory/i.test(err.message)
          ? `validating the file needed more than ${WORKER_HEAP_MB} MB; it was abandoned`
          : `the validator failed: ${err.message}`,
      ),
    );
    w.once('exit', (code) => fail(`the validator exited (code ${code}) without an answer`));
  });
}

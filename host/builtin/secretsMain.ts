// Process entry of the built-in `secrets` agent (bundled to dist/builtin-secrets.js). The host
// spawns it like any one-shot agent (README: Agents): cwd = workspace root, the task as JSON in
// AGENTIC_TASK (or, when large, in the file AGENTIC_TASK_FILE names) and on stdin. It prints one
// SARIF 2.1.0 log on stdout and exits 0 (no findings),
// 1 (findings) or 2 (usage error: a bad or missing task). Anything else is a crash (exit 3), which
// the host retries. Nothing it writes contains a secret: hits carry redacted messages only.
import { readFile } from 'node:fs/promises';
import { parseTask, runTask, UsageError } from './secretsAgent';

const STDIN_TIMEOUT_MS = 10_000;

/**
 * The task JSON: AGENTIC_TASK when set, else stdin. Stdin is parsed as it arrives, so a host that
 * writes the task and keeps the pipe open does not leave us waiting for EOF.
 */
function readTaskJson(): Promise<string> {
  // a large task (thousands of files) is in a file; AGENTIC_TASK then holds no files (taskPayload.ts)
  const file = process.env.AGENTIC_TASK_FILE;
  if (file)
    return readFile(file, 'utf8').catch((err: Error) => {
      throw new UsageError(`no task: AGENTIC_TASK_FILE ${file} cannot be read: ${err.message}`);
    });
  const fromEnv = process.env.AGENTIC_TASK;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return Promise.resolve(fromEnv);
  if (process.stdin.isTTY) {
    return Promise.reject(new UsageError('no task: set AGENTIC_TASK or pipe the task JSON on stdin'));
  }
  return new Promise((resolve, reject) => {
    let buf = '';
    const done = (err: Error | undefined, json?: string): void => {
      clearTimeout(timer);
      process.stdin.removeAllListeners();
      process.stdin.pause();
      process.stdin.destroy();
      if (err) reject(err);
      else resolve(json!);
    };
    const timer = setTimeout(
      () => done(new UsageError('no task: nothing readable arrived on stdin')),
      STDIN_TIMEOUT_MS,
    );
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      buf += chunk;
      if (isCompleteJson(buf)) done(undefined, buf);
    });
    process.stdin.on('end', () =>
      buf.trim() === ''
        ? done(new UsageError('no task: AGENTIC_TASK is unset and stdin is empty'))
        : done(undefined, buf),
    );
    process.stdin.on('error', () => done(new UsageError('no task: stdin could not be read')));
  });
}

function isCompleteJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  try {
    const task = parseTask(await readTaskJson(), process.cwd());
    const { sarif, exitCode, scanned, hits, ignored } = await runTask(task);
    process.stdout.write(JSON.stringify(sarif) + '\n');
    // peak RSS for `npm run secrets:eval` (maxRSS is in KiB)
    const rss = (process.resourceUsage().maxRSS / 1024).toFixed(0);
    process.stderr.write(
      `secrets: scanned ${scanned} file(s), ${hits} finding(s)${ignored ? ` (${ignored} more ignored by .agentic/secrets-ignore)` : ''} in ${Date.now() - started} ms (peak RSS ${rss} MiB)\n`,
    );
    return exitCode;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`secrets: usage error: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(
      `secrets: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 3;
  }
}

// exitCode rather than process.exit(): a piped stdout is flushed before the process ends.
void main().then((code) => {
  process.exitCode = code;
});

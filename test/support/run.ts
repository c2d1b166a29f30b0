// Running a program to its end and keeping what it printed: the one copy for tests that drive a
// CLI, a shell script or an agent under bubblewrap with an environment of their own.
import { spawn } from 'node:child_process';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  /** the whole environment of the child (not added to this process's) */
  env?: NodeJS.ProcessEnv;
  /** killed (SIGKILL) after this; default 180 s */
  timeoutMs?: number;
}

/** Runs `file args`; resolves with its exit code (1 when killed by a signal) and its output. */
export function runProcess(file: string, args: string[], o: RunOptions = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      ...(o.cwd ? { cwd: o.cwd } : {}),
      env: o.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 180_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

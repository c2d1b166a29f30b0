// Shared set-up for integration tests: temp workspaces, the real CLI and host from dist/, an
// isolated runtime dir per test file (so tests never attach to a developer's own hosts).
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connectHost, type HostConnection } from '../../common/node/connect';
import { hostPaths } from '../../common/node/paths';
import type { TaskInfo } from '../../common/model';
import * as P from '../../common/protocol';
import { alive } from '../support/proc';

export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');
export const AGENTS = join(ROOT, 'test', 'fixtures', 'agents');
export const agent = (name: string): string => join(AGENTS, name);
export const NODE = process.execPath;

/** One runtime dir per test process: set before anything computes host paths. */
export const RUNTIME = mkdtempSync(join(tmpdir(), 'agbg-rt-'));
process.env.XDG_RUNTIME_DIR = RUNTIME;

export function makeWorkspace(config: string | undefined, files: Record<string, string> = {}): string {
  const ws = mkdtempSync(join(tmpdir(), 'agbg-ws-'));
  if (config !== undefined) writeFileSync(join(ws, 'agentic_config.yaml'), config);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(ws, f)), { recursive: true });
    writeFileSync(join(ws, f), text);
  }
  return ws;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(
  ws: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [CLI, ...args, '--workspace', ws], {
      // opts.env replaces the environment (the runtime dir included) when a test needs another one
      env: opts.env ?? { ...process.env, XDG_RUNTIME_DIR: RUNTIME },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`agentic-bg ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

export async function cliJson<T>(ws: string, args: string[]): Promise<T> {
  const r = await cli(ws, [...args, '--json']);
  if (r.code !== 0 && !r.stdout.trim()) throw new Error(`agentic-bg ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export async function connect(ws: string): Promise<HostConnection> {
  return connectHost(hostPaths(ws), 'test');
}

export function hostInfo(ws: string): { pid: number; socket: string } {
  return JSON.parse(readFileSync(hostPaths(ws).info, 'utf8')) as { pid: number; socket: string };
}

export async function waitTask(ws: string, id: string): Promise<TaskInfo> {
  const c = await connect(ws);
  try {
    return await c.request(P.WaitTaskRequest.type, { id, timeoutMs: 60_000 });
  } finally {
    c.close();
  }
}

/** Stops the workspace's host if one runs (kill -9 as a last resort) and removes the workspace. */
export async function cleanup(ws: string): Promise<void> {
  let pid: number | undefined;
  try {
    pid = hostInfo(ws).pid;
  } catch {
    // no host info
  }
  await cli(ws, ['stop', '--timeout', '2']).catch(() => undefined);
  if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(ws, { recursive: true, force: true });
}

export function yaml(s: string): string {
  return s.replace(/^\n/, '');
}

// Shared by the real-tool tests (tools.*.test.ts): a temp workspace holding a copy of a fixture
// from test/fixtures/tools/<tool>/, the tool found on PATH (or not: the test then skips, saying
// what to install), and findings reduced to what the Problems panel shows, in a stable order.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding, TaskInfo } from '../../common/model';
import { cli, makeWorkspace, ROOT } from './helpers';

export const TOOL_FIXTURES = join(ROOT, 'test', 'fixtures', 'tools');

/** A workspace with the fixture's files and `config` as agentic_config.yaml. */
export function toolWorkspace(tool: string, config: string): string {
  const ws = makeWorkspace(config);
  cpSync(join(TOOL_FIXTURES, tool), ws, { recursive: true });
  return ws;
}

/** The skip reason when `cmd` is not on PATH (CI installs it, so there the test runs). */
export function missing(cmd: string, pkg: string): string | false {
  const r = spawnSync(cmd, ['--version'], { stdio: 'ignore' });
  return r.error ? `${cmd} is not installed (apt-get install ${pkg})` : false;
}

export type Shown = Pick<Finding, 'file' | 'line' | 'column' | 'severity' | 'ruleId' | 'message'>;

export function shown(findings: Finding[] | undefined): Shown[] {
  return (findings ?? [])
    .map(({ file, line, column, severity, ruleId, message }) => ({ file, line, column, severity, ruleId, message }))
    .sort((a, b) => (a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1));
}

/** JSON with the double quotes a YAML flow sequence needs: `command: ${argv(...)}` */
export function argv(...parts: string[]): string {
  return JSON.stringify(parts);
}

/** agentic-bg start, failing the test with what it printed when it does not succeed. */
export async function startHost(ws: string): Promise<void> {
  const r = await cli(ws, ['start'], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `agentic-bg start exited ${r.code}: ${r.stdout}${r.stderr}`);
}

/**
 * `agentic-bg submit … --wait --json` with room for a real tool on a busy 2-core CI machine
 * (tsc alone takes seconds of CPU); the exit code is the caller's to check through the state.
 */
export async function submitWait(ws: string, args: string[]): Promise<TaskInfo> {
  const r = await cli(ws, ['submit', ...args, '--wait', '--json'], { timeoutMs: 180_000 });
  if (!r.stdout.trim()) throw new Error(`agentic-bg submit exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as TaskInfo;
}

// Shared by the in-VS Code tests: the extension's API, polling with a deadline, the fixture
// workspace's config variants, and host queries through the extension's own client.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { AgenticTestApi } from '../../../src/api';
import type { Session } from '../../../src/session';
import type { TaskInfo } from '../../../common/model';
import { ListTasksRequest } from '../../../common/protocol';
import { until } from '../../support/wait';

export const EXT_ID = 'agentic.agentic-background';

export async function getApi(): Promise<AgenticTestApi> {
  const ext = vscode.extensions.getExtension<AgenticTestApi>(EXT_ID);
  assert.ok(ext, `extension ${EXT_ID} is not loaded`);
  const api = await ext.activate();
  // the hooks exist only in ExtensionMode.Test (src/api.ts): the suite must be run as a test
  assert.ok(typeof api.setApprovalPrompt === 'function', 'the test hooks are missing: not in ExtensionMode.Test?');
  return api;
}

export { sleep } from '../../support/wait';

/** Polls until fn returns something truthy; fails with `what` and the last value on timeout. */
export function waitFor<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<NonNullable<T>> {
  return until(fn, timeoutMs, what, everyMs);
}

export function folder(): vscode.WorkspaceFolder {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a workspace folder must be open');
  return f;
}

export function fileUri(rel: string): vscode.Uri {
  return vscode.Uri.joinPath(folder().uri, rel);
}

export async function connectedSession(api: AgenticTestApi, timeoutMs = 30_000): Promise<Session> {
  return waitFor(
    'the host to be attached',
    () => {
      const s = api.sessions()[0];
      return s && s.client.state === 'connected' && s.status && s.config ? s : undefined;
    },
    timeoutMs,
  );
}

export async function tasks(s: Session, agent?: string): Promise<TaskInfo[]> {
  return (await s.client.request(ListTasksRequest.type, { ...(agent ? { agent } : {}), limit: 1000 })).tasks;
}

/** Waits until the host has nothing queued, running or retrying. */
export function idle(s: Session, timeoutMs = 30_000): Promise<boolean> {
  return waitFor(
    'the host to be idle',
    () => {
      const q = s.status?.queue;
      return !!q && q.queued + q.running + q.retrying === 0;
    },
    timeoutMs,
  );
}

/** Writes agentic_config.yaml (the host watches it and reloads) and waits for the reload. */
export async function writeConfig(s: Session, text: string, expectValid = true): Promise<void> {
  const before = s.status?.config.loadedAt;
  await vscode.workspace.fs.writeFile(fileUri('agentic_config.yaml'), new TextEncoder().encode(text));
  await waitFor(
    'the host to reload agentic_config.yaml',
    () => s.status && s.status.config.loadedAt !== before && s.status.config.valid === expectValid,
    30_000,
  );
}

export const BASE_CONFIG = `background:
  enabled: true
  max_concurrent_agents: 3
  retry_attempts: 0
  agents:
    saa:
      builtin: secrets
      priority: high
  triggers:
    - on: save
      files: "src/**"
      agent: saa
      task: security-audit
      debounce: 200ms
`;

/**
 * BASE_CONFIG plus `slow`, a configured command taking a batch of files (needs approval). The batch
 * trigger's debounce is generous so Save All of 20 files stays one window on a heavily loaded CI box;
 * the hot trigger's is 0, so each save is a submit of its own and the host's queue must coalesce.
 */
export function withSlow(envKeys: string[] = []): string {
  const env = envKeys.length ? `\n      env: { ${envKeys.map((k) => `${k}: "x"`).join(', ')} }` : '';
  return `${BASE_CONFIG}    - on: save
      files: "batch/**"
      agent: slow
      task: batch-check
      debounce: 2s
    - on: save
      files: "hot/**"
      agent: slow
      task: hot-check
      debounce: 0ms
`.replace(
    '  triggers:',
    `    slow:
      command: ["node", "tools/slow-agent.js", "\${files}"]
      batch: true
      concurrency: 2
      output: text${env}
  triggers:`,
  );
}

/** A line number (1-based) of a YAML key that the host will refuse (a typo of a known key). */
export const INVALID_CONFIG = BASE_CONFIG.replace(
  '  retry_attempts: 0',
  '  retry_attempts: 0\n  max_concurent_agents: 2',
);
export const INVALID_LINE = INVALID_CONFIG.split('\n').findIndex((l) => l.includes('max_concurent_agents')) + 1;

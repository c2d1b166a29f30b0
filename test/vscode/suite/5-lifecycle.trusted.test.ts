// Host lifecycle from the extension: stop (not respawned), start, a crash (relaunched with
// backoff), and the CLI as an equal client (its stop is respected, its host is attached to).
import * as assert from 'assert';
import { execFile } from 'child_process';
import * as path from 'path';
import * as vscode from 'vscode';
import type { AgenticTestApi } from '../../../src/api';
import type { Session } from '../../../src/session';
import { SubmitRequest } from '../../../common/protocol';
import { BASE_CONFIG, connectedSession, getApi, idle, sleep, waitFor, writeConfig } from '../lib/helpers';
import { alive } from '../../support/proc';

function cli(args: string[], cwd: string): Promise<string> {
  const script = path.join(
    vscode.extensions.getExtension('agentic.agentic-background')!.extensionPath,
    'dist',
    'cli.js',
  );
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [script, ...args, '--workspace', cwd], { timeout: 30_000 }, (err, out, errOut) =>
      err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out),
    ),
  );
}

/** BASE_CONFIG plus `busy`, a configured command (approved by this suite) that sleeps params.sleepMs */
const WITH_BUSY = BASE_CONFIG.replace(
  '  triggers:',
  '    busy:\n      command: ["node", "tools/slow-agent.js"]\n      output: text\n  triggers:',
);

suite('host lifecycle', () => {
  let api: AgenticTestApi;
  let s: Session;

  suiteSetup(async function () {
    this.timeout(120_000);
    api = await getApi();
    s = await connectedSession(api);
    // The history checked below needs a busy host of this suite's own, whichever suites ran
    // before it (AGENTIC_TEST_GREP may select this one alone): a 1.5 s task of an agent of its
    // own, so no approval remembered or denied by another suite applies to it.
    api.setApprovalPrompt(async () => 'approve');
    await writeConfig(s, WITH_BUSY);
    const from = api.statusBarHistory().length;
    await s.client.request(SubmitRequest.type, { agent: 'busy', task: 'busy', params: { sleepMs: 1500 } });
    await waitFor(
      'the status bar busy',
      () =>
        api
          .statusBarHistory()
          .slice(from)
          .some((t) => /[1-9]\d* running/.test(t)), // running, not only queued
      60_000,
    );
    await idle(s);
    await writeConfig(s, BASE_CONFIG);
  });

  test('Stop Host: the status bar says stopped and the host is not respawned', async () => {
    const pid = s.status!.pid;
    await vscode.commands.executeCommand('agenticBackground.stop');
    await waitFor('status stopped', () => api.statusBarText().includes('Agentic: stopped'));
    await waitFor('the host process gone', () => !alive(pid), 15_000);
    await sleep(3500); // longer than the stopped-host poll
    assert.strictEqual(s.client.state, 'stopped');
    assert.strictEqual(s.stoppedByUser, true);
  });

  test('Start Host: a new host, idle; the status bar went start → busy → idle → stopped → idle', async () => {
    const old = api.statusBarHistory().length;
    await vscode.commands.executeCommand('agenticBackground.start');
    const st = await connectedSession(api);
    assert.strictEqual(st.stoppedByUser, false);
    await waitFor('status idle', () => api.statusBarText().includes('Agentic: idle'));
    const h = api.statusBarHistory();
    const at = (re: RegExp, from = 0) => h.findIndex((t, i) => i >= from && re.test(t));
    const starting = at(/starting/);
    const busy = at(/\d+ running/, starting);
    const idleAfterBusy = at(/Agentic: idle/, busy);
    const stopped = at(/Agentic: stopped/, idleAfterBusy);
    const idleAgain = at(/Agentic: idle/, Math.max(stopped, old));
    assert.ok(
      starting >= 0 && busy > starting && idleAfterBusy > busy && stopped > idleAfterBusy && idleAgain > stopped,
      JSON.stringify(h),
    );
  });

  test('a host that crashes is relaunched', async () => {
    const pid = s.status!.pid;
    process.kill(pid, 'SIGKILL');
    await waitFor('a new host', () => s.client.state === 'connected' && s.status && s.status.pid !== pid, 20_000);
    assert.strictEqual(s.status!.launchedBy, 'extension');
  });

  test('the CLI is an equal client: its stop is respected, its start attached to', async () => {
    const pid = s.status!.pid;
    await cli(['stop'], s.root);
    await waitFor('status stopped', () => s.client.state === 'stopped' && !alive(pid), 20_000);
    assert.strictEqual(s.stoppedByUser, true, 'a stop by someone else counts as deliberate');
    await cli(['start'], s.root);
    const st = await waitFor(
      'attached to the CLI host',
      () => (s.client.state === 'connected' && s.status?.launchedBy === 'cli' ? s.status : undefined),
      15_000,
    );
    assert.ok(!st.requireApproval, 'a CLI-started host needs no approval');
    await cli(['stop'], s.root);
    await waitFor('stopped again', () => s.client.state === 'stopped', 20_000);
    // leave the workspace as a user would find it: the extension's own host running
    await vscode.commands.executeCommand('agenticBackground.start');
    await waitFor(
      'our host back',
      () => s.client.state === 'connected' && s.status?.launchedBy === 'extension',
      20_000,
    );
  });
});

// A finding with no file (a SARIF result without a location) is kept: it shows as a diagnostic on
// the agent's entry in agentic_config.yaml, and the agent's next clean run clears it.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { AgenticTestApi } from '../../../src/api';
import type { Session } from '../../../src/session';
import { SubmitRequest, WaitTaskRequest } from '../../../common/protocol';
import { BASE_CONFIG, connectedSession, fileUri, getApi, waitFor, writeConfig } from '../lib/helpers';

const WITH_NOFILE = BASE_CONFIG.replace(
  '  triggers:',
  '    buildcheck:\n      command: ["node", "tools/no-location-sarif.js"]\n      output: sarif\n  triggers:',
);
const AGENT_LINE = WITH_NOFILE.split('\n').findIndex((l) => l.trim() === 'buildcheck:');

suite('task-level findings', () => {
  let api: AgenticTestApi;
  let s: Session;

  suiteSetup(async () => {
    api = await getApi();
    s = await connectedSession(api);
    api.setApprovalPrompt(async () => 'approve');
    await writeConfig(s, WITH_NOFILE);
  });

  suiteTeardown(async () => {
    await writeConfig(s, BASE_CONFIG);
  });

  test('a result without a location shows on the agent entry of agentic_config.yaml', async () => {
    const configUri = fileUri('agentic_config.yaml');
    const r = await s.client.request(SubmitRequest.type, { agent: 'buildcheck', task: 'check', source: 'vscode' });
    const t = await s.client.request(WaitTaskRequest.type, { id: r.taskId, timeoutMs: 60_000 });
    assert.strictEqual(t.state, 'succeeded', JSON.stringify(t));
    const d = await waitFor('a task-level diagnostic on the config file', () => {
      const x = api.taskLevelDiagnostics(configUri);
      return x.length ? x : undefined;
    });
    assert.strictEqual(d.length, 1, JSON.stringify(d));
    assert.match(d[0]!.message, /no project file found in the workspace/);
    assert.strictEqual(d[0]!.range.start.line, AGENT_LINE, JSON.stringify(d[0]!.range));
    assert.strictEqual(d[0]!.severity, vscode.DiagnosticSeverity.Error);
  });
});

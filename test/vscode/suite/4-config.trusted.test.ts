// The host refuses an invalid agentic_config.yaml (keeping the previous config); its issue, with
// line and column, shows as a diagnostic on the YAML file and goes away when the file is fixed.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { AgenticTestApi } from '../../../src/api';
import type { Session } from '../../../src/session';
import {
  BASE_CONFIG,
  connectedSession,
  fileUri,
  getApi,
  INVALID_CONFIG,
  INVALID_LINE,
  waitFor,
  writeConfig,
} from '../lib/helpers';

suite('config validation', () => {
  let api: AgenticTestApi;
  let s: Session;
  const configUri = () => fileUri('agentic_config.yaml');

  suiteSetup(async () => {
    api = await getApi();
    s = await connectedSession(api);
  });

  test('a refused reload shows the issue on the YAML line', async () => {
    await writeConfig(s, INVALID_CONFIG, false);
    assert.strictEqual(s.status!.config.keptPrevious, true, 'the previous configuration stays in force');
    const d = await waitFor('a diagnostic on agentic_config.yaml', () => {
      const x = api.configDiagnostics(configUri());
      return x.length ? x : undefined;
    });
    assert.strictEqual(d[0]!.range.start.line, INVALID_LINE - 1, JSON.stringify(d[0]!.range));
    assert.match(d[0]!.message, /max_concurent_agents/);
    assert.strictEqual(d[0]!.severity, vscode.DiagnosticSeverity.Error);
    const r = await vscode.commands.executeCommand<{ applied: boolean }>('agenticBackground.reloadConfig');
    assert.strictEqual(r?.applied, false, 'the reload command reports the refusal');
    await waitFor('the status bar to say so', () => /degraded|error/.test(api.statusBarText()));
  });

  test('fixing the file clears the diagnostic', async () => {
    await writeConfig(s, BASE_CONFIG, true);
    await waitFor('no diagnostic on agentic_config.yaml', () => api.configDiagnostics(configUri()).length === 0);
    await waitFor('status idle', () => api.statusBarText().includes('Agentic: idle'));
  });
});

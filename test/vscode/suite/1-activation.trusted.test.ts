// Activation against the real host: the extension finds no host, launches dist/host.js with VS
// Code's Node (--launched-by extension --require-approval), attaches, and fills its views.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { AgenticTestApi } from '../../../src/api';
import type { AgentNode } from '../../../src/views/agentsView';
import { connectedSession, getApi, waitFor } from '../lib/helpers';

suite('activation and views', () => {
  let api: AgenticTestApi;

  suiteSetup(async () => {
    api = await getApi();
  });

  test('activates on agentic_config.yaml and launches a host for the folder', async () => {
    const s = await connectedSession(api);
    assert.strictEqual(api.sessions().length, 1);
    const st = s.status!;
    assert.strictEqual(st.launchedBy, 'extension');
    assert.strictEqual(st.requireApproval, true, 'a trusted window launches the host with --require-approval');
    assert.ok(!st.restricted);
    assert.notStrictEqual(st.pid, process.pid);
    assert.strictEqual(st.config.valid, true);
    console.log(`host pid ${st.pid}, vscode ${vscode.version}, node ${process.versions.node}`);
  });

  test('contributed commands are registered', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const c of [
      'start',
      'stop',
      'restart',
      'submitTask',
      'runOnCurrentFile',
      'cancelTask',
      'retryTask',
      'restartAgent',
      'reloadConfig',
      'showLogs',
      'openConfig',
      'createStarterConfig',
      'toggleOnSave',
      'showActions',
    ]) {
      assert.ok(all.includes(`agenticBackground.${c}`), `agenticBackground.${c} is registered`);
    }
  });

  test('status bar went from starting to idle', async () => {
    await waitFor('status bar idle', () => api.statusBarText().includes('Agentic: idle'));
    const h = api.statusBarHistory();
    const starting = h.findIndex((t) => t.includes('starting'));
    const idle = h.findIndex((t) => t.includes('idle'));
    assert.ok(starting >= 0 && idle > starting, `history: ${JSON.stringify(h)}`);
  });

  test('the Agents view lists the configured agent with its state and tier', async () => {
    const nodes = await waitFor('agent rows', () => {
      const n = api.agentsView.getChildren() as AgentNode[];
      return n.some((x) => x.kind === 'agent') ? n : undefined;
    });
    const saa = nodes.find((n) => n.kind === 'agent' && n.agent.id === 'saa');
    assert.ok(saa, `rows: ${JSON.stringify(nodes.map((n) => n.kind))}`);
    const item = api.agentsView.getTreeItem(saa);
    assert.strictEqual(item.label, 'saa');
    assert.match(String(item.description), /^idle · 0 restarts · /);
    assert.strictEqual(item.contextValue, 'agent.idle');
  });

  test('the Tasks view says there are no tasks yet', () => {
    const nodes = api.tasksView.getChildren();
    assert.strictEqual(nodes.length, 1);
    assert.strictEqual(nodes[0]!.kind, 'message');
  });
});

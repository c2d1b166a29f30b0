// An untrusted workspace (Workspace Trust on, folder not trusted): the host is launched with
// --restricted, the status bar says "restricted", configured commands are refused with the reason,
// and the built-in secrets agent still runs on save.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { AgenticTestApi } from '../../../src/api';
import type { Session } from '../../../src/session';
import type { AgentNode } from '../../../src/views/agentsView';
import { MatchTriggersRequest, StatusRequest, SubmitRequest } from '../../../common/protocol';
import { connectedSession, fileUri, getApi, tasks, waitFor, withSlow, writeConfig } from '../lib/helpers';

suite('restricted mode (untrusted workspace)', () => {
  let api: AgenticTestApi;
  let s: Session;

  suiteSetup(async () => {
    api = await getApi();
    s = await connectedSession(api);
  });

  test('the workspace is not trusted and the host runs restricted', async () => {
    assert.strictEqual(vscode.workspace.isTrusted, false);
    assert.strictEqual(s.status!.restricted, true);
    assert.strictEqual(s.status!.launchedBy, 'extension');
    await waitFor('the status bar to say restricted', () => /Agentic: idle · restricted/.test(api.statusBarText()));
  });

  test('a configured command is refused with the reason', async () => {
    await writeConfig(s, withSlow());
    const slow = await waitFor('the slow agent', () => s.agents.find((a) => a.id === 'slow'));
    assert.strictEqual(slow.reason, 'workspace not trusted: only built-in agents run');
    await assert.rejects(s.client.request(SubmitRequest.type, { agent: 'slow', task: 'x' }), /workspace not trusted/);
    const row = await waitFor('its row', () =>
      (api.agentsView.getChildren() as AgentNode[]).find((n) => n.kind === 'agent' && n.agent.id === 'slow'),
    );
    assert.match(String(api.agentsView.getTreeItem(row).description), /workspace not trusted/);
  });

  test('on save, the built-in agent runs and nothing configured is submitted', async () => {
    const uri = fileUri('src/app.py');
    const editor = await vscode.window.showTextDocument(uri);
    await editor.edit((e) => e.insert(new vscode.Position(3, 0), 'AWS_ACCESS_KEY_ID = "AKIAZ7QX4MT2LW9RB3KD"\n'));
    assert.ok(await editor.document.save());
    const d = await waitFor('the finding', () => api.diagnostics(uri).find((x) => x.source === 'saa'));
    assert.strictEqual(d.range.start.line, 3);
    const b = fileUri('batch/one.txt');
    await vscode.workspace.fs.writeFile(b, new TextEncoder().encode('a\n'));
    const doc = await vscode.workspace.openTextDocument(b);
    await (await vscode.window.showTextDocument(doc)).edit((e) => e.insert(new vscode.Position(0, 0), 'b'));
    assert.ok(await doc.save());
    // the save reached the host, which decides what it means: in restricted mode, nothing configured
    await waitFor('the save reported', () => api.reportedSaves().includes('batch/one.txt'));
    const m = await s.client.request(MatchTriggersRequest.type, { file: 'batch/one.txt' });
    assert.deepEqual(m.targets, []);
    await waitFor('every save window closed', async () => {
      const st = await s.client.request(StatusRequest.type, {});
      return st.saves?.pending === 0 && st.queue.queued + st.queue.running === 0;
    });
    assert.deepEqual(await tasks(s, 'slow'), []);
  });
});

// An untrusted workspace (Workspace Trust on, folder not trusted): the host is launched with
// --restricted, the status bar says "restricted", configured commands are refused with the reason,
// and the built-in secrets agent still runs on save while a configured agent's trigger submits nothing.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { AgenticTestApi } from '../../../src/api';
import type { Session } from '../../../src/session';
import type { AgentNode } from '../../../src/views/agentsView';
import { SubmitRequest } from '../../../common/protocol';
import { connectedSession, fileUri, getApi, waitFor, withSlow, writeConfig } from '../lib/helpers';

/**
 * withSlow() plus a trigger of the built-in agent on the same files, with a longer debounce than
 * slow's (2 s): once its item is submitted, slow's window has closed too, so a submit of slow
 * would already be there.
 */
const CONTROL_TASK = 'restricted-control';
const WITH_CONTROL = withSlow().replace(
  '  triggers:\n',
  `  triggers:\n    - on: save\n      files: "batch/**"\n      agent: saa\n      task: ${CONTROL_TASK}\n      debounce: 2500ms\n`,
);

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
    await writeConfig(s, WITH_CONTROL);
    await waitFor('the extension to have the control trigger', () =>
      s.config?.triggers.some((t) => t.task === CONTROL_TASK),
    );
    const b = fileUri('batch/one.txt');
    await vscode.workspace.fs.writeFile(b, new TextEncoder().encode('a\n'));
    const doc = await vscode.workspace.openTextDocument(b);
    await (await vscode.window.showTextDocument(doc)).edit((e) => e.insert(new vscode.Position(0, 0), 'b'));
    assert.ok(await doc.save());
    await waitFor('the control trigger to submit: its debounce outlasts the slow one', () =>
      api.submittedOnSave().some((i) => i.task === CONTROL_TASK && i.files?.includes('batch/one.txt')),
    );
    assert.ok(!api.submittedOnSave().some((i) => i.agent === 'slow'), JSON.stringify(api.submittedOnSave()));
  });
});

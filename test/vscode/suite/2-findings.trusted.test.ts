// Saving a file with a planted secret: the built-in `saa` agent runs on save and its finding lands
// in the Problems panel on the right line; it is marked stale while the document differs from what
// the run saw; saving one file 20 times in 2 s runs the agent at most twice.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { AgenticTestApi } from '../../../src/api';
import { connectedSession, fileUri, getApi, waitFor } from '../lib/helpers';

const SECRET_LINE = 'AWS_ACCESS_KEY_ID = "AKIAZ7QX4MT2LW9RB3KD"\n';

suite('findings on save', () => {
  let api: AgenticTestApi;

  suiteSetup(async () => {
    api = await getApi();
    await connectedSession(api);
  });

  test('a planted secret gives a diagnostic on its line, from the saa agent', async () => {
    const uri = fileUri('src/app.py');
    const lap = (
      (t) => (what: string) =>
        console.log(`    ${what}: ${Date.now() - t} ms`)
    )(Date.now());
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    lap('opened');
    // line 4 (0-based 3): after the docstring, the import and a blank line
    await editor.edit((e) => e.insert(new vscode.Position(3, 0), SECRET_LINE));
    lap('edited');
    const t0 = Date.now();
    assert.ok(await doc.save());
    const saveMs = Date.now() - t0;
    lap('saved');
    const diags = await waitFor('a diagnostic on src/app.py', () => {
      const d = api.diagnostics(uri);
      return d.length ? d : undefined;
    });
    lap('diagnostic');
    const d = diags[0]!;
    assert.strictEqual(d.source, 'saa');
    assert.strictEqual(d.range.start.line, 3, `diagnostic at ${JSON.stringify(d.range)}`);
    assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
    assert.match(d.message, /AWS/);
    assert.ok(!d.message.includes('AKIAZ7QX4MT2LW9RB3KD'), 'the secret itself is never repeated');
    assert.ok(
      vscode.languages.getDiagnostics(uri).some((x) => x.source === 'saa'),
      'visible to the Problems panel',
    );
    console.log(`save took ${saveMs} ms; diagnostic: ${d.message}`);
  });

  test('the finding is marked stale while the document differs from what the run saw', async () => {
    const uri = fileUri('src/app.py');
    const editor = await vscode.window.showTextDocument(uri);
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), '# edited\n'));
    await waitFor('a stale diagnostic', () => api.diagnostics(uri).some((d) => d.message.includes('(stale')));
    await vscode.commands.executeCommand('undo');
    await waitFor('the diagnostic fresh again', () => api.diagnostics(uri).some((d) => !d.message.includes('(stale')));
  });
});

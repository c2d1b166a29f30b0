// Agentic Background: Run Doctor from the command palette: the CLI's doctor runs on VS Code's own
// Node for the folder, and its report opens as Markdown with a line per check.
import * as assert from 'assert';
import * as vscode from 'vscode';

suite('doctor', () => {
  test('Run Doctor opens the report of this folder with a line per check', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('agenticBackground.runDoctor'), 'the command is registered');
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('agenticBackground.runDoctor');
    assert.ok(doc, 'the command returns the report document');
    const text = doc.getText();
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    assert.match(text, /^# Agentic Background: Doctor/m);
    assert.ok(text.includes(folder), `the report names the folder ${folder}:\n${text}`);
    assert.match(text, /^- ✓ \*\*runtime\*\*: Node /m);
    assert.match(text, /^- ✓ \*\*config\*\*: .*agentic_config\.yaml valid/m);
    assert.match(text, /^- [✓⚠] \*\*sandbox\*\*|^- [✓⚠] \*\*CPU and memory limits\*\*/m);
    assert.match(text, /\d+ ok, \d+ warning\(s\), \d+ problem\(s\)/);
  });
});

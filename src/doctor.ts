// Agentic Background: Run Doctor — runs `agentic-bg doctor --json` of this extension (dist/cli.js,
// on VS Code's own Node) for a folder, without blocking the editor, and shows the report as a
// Markdown preview with links into the README.
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import { STATUS_MARK, type DoctorReport } from '../common/doctor';

export function doctorMarkdown(r: DoctorReport, readme: vscode.Uri): string {
  const lines = [
    `# Agentic Background: Doctor`,
    '',
    `${r.workspace} · ${r.platform} · version ${r.version} · ${r.ms} ms`,
    '',
  ];
  for (const c of r.checks) {
    lines.push(`- ${STATUS_MARK[c.status]} **${c.title}**: ${c.found}`);
    if (c.meaning) lines.push(`  - ${c.meaning}`);
    if (c.fix) {
      const m = /^README\.md#([\w-]+)$|\(README\.md#([\w-]+)\)/.exec(c.fix);
      const anchor = m?.[1] ?? m?.[2];
      lines.push(
        `  - fix: \`${c.fix.replace(/`/g, "'")}\`${anchor ? ` ([README](${readme.with({ fragment: anchor }).toString()}))` : ''}`,
      );
    }
  }
  const n = (s: string) => r.checks.filter((c) => c.status === s).length;
  lines.push('', `**${n('ok')} ok, ${n('warn')} warning(s), ${n('fail')} problem(s).**`, '');
  lines.push(
    `The same report in a terminal: \`agentic-bg doctor\`; \`agentic-bg doctor --self-test\` proves the limits.`,
  );
  return lines.join('\n') + '\n';
}

function runCli(cli: string, workspace: string, token: vscode.CancellationToken): Promise<DoctorReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'doctor', '--json', '--workspace', workspace], {
      cwd: workspace,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const cancel = token.onCancellationRequested(() => child.kill('SIGKILL'));
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', (e) => {
      cancel.dispose();
      reject(e);
    });
    child.on('close', (code) => {
      cancel.dispose();
      try {
        resolve(JSON.parse(out) as DoctorReport);
      } catch {
        reject(new Error(`agentic-bg doctor exited ${code}: ${(err || out).trim().slice(0, 500)}`));
      }
    });
  });
}

/** Runs the doctor for `folder` and opens its report; returns the report's document. */
export async function showDoctor(ext: vscode.ExtensionContext, folder: vscode.Uri): Promise<vscode.TextDocument> {
  const cli = vscode.Uri.joinPath(ext.extensionUri, 'dist', 'cli.js').fsPath;
  const report = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: 'Agentic Background: running the doctor…',
      cancellable: true,
    },
    (_p, token) => runCli(cli, folder.fsPath, token),
  );
  const doc = await vscode.workspace.openTextDocument({
    language: 'markdown',
    content: doctorMarkdown(report, vscode.Uri.joinPath(ext.extensionUri, 'README.md')),
  });
  await vscode.commands.executeCommand('markdown.showPreview', doc.uri);
  return doc;
}

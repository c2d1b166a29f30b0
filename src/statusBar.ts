// The status bar item: health at a glance across the workspace's hosts (text and tone come from
// statusModel.ts), a Markdown tooltip, and a click that opens the actions quick pick.
import * as vscode from 'vscode';
import { statusView, type FolderHealth } from './statusModel';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'agenticBackground.status',
    vscode.StatusBarAlignment.Left,
    50,
  );
  /** every distinct text shown, oldest first (bounded): lets the in-VS Code suite see transitions */
  readonly history: string[] = [];

  constructor() {
    this.item.name = 'Agentic Background';
    this.item.command = 'agenticBackground.showActions';
    this.item.show();
  }

  get text(): string {
    return this.item.text;
  }

  update(folders: readonly FolderHealth[], onSave: boolean): void {
    const v = statusView(folders, { onSave });
    if (v.text !== this.item.text) {
      this.history.push(v.text);
      if (this.history.length > 200) this.history.shift();
    }
    this.item.text = v.text;
    const md = new vscode.MarkdownString(v.tooltip, true);
    md.isTrusted = false;
    this.item.tooltip = md;
    this.item.backgroundColor =
      v.tone === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : v.tone === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.item.accessibilityInformation = { label: v.text.replace(/\$\([^)]*\)\s*/g, ''), role: 'button' };
  }

  dispose(): void {
    this.item.dispose();
  }
}

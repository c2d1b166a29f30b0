// On a platform the host does not support (Windows), the extension starts nothing and says so once,
// with a link to the README's platform table.
import * as vscode from 'vscode';
import { unsupportedPlatform } from '../common/node/platform';

/** true when the extension must stay inactive here (the message has been shown). */
export function refuseUnsupportedPlatform(ext: vscode.ExtensionContext): boolean {
  const msg = unsupportedPlatform();
  if (!msg) return false;
  const readme = vscode.Uri.joinPath(ext.extensionUri, 'README.md');
  void vscode.window.showErrorMessage(msg, 'Open README').then((pick) => {
    if (pick) void vscode.commands.executeCommand('markdown.showPreview', readme);
  });
  return true;
}

// Agentic Background: Install 'agentic-bg' Command in PATH (like VS Code's "Install 'code' command
// in PATH"): writes the launcher (common/launcher.ts) into ~/.local/bin on Linux and macOS
// (AGENTIC_BIN_DIR overrides it), and says how to put that directory on PATH when it is not.
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { LAUNCHER_MARK, launcherScript } from '../common/launcher';

export function binDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.AGENTIC_BIN_DIR || join(homedir(), '.local', 'bin');
}

/** Writes the launcher; returns its path. Refuses to overwrite an `agentic-bg` it did not write. */
export async function installCli(ext: vscode.ExtensionContext): Promise<string | undefined> {
  const dir = binDir();
  const target = join(dir, 'agentic-bg');
  const existing = await readFile(target, 'utf8').catch(() => undefined);
  if (existing !== undefined && !existing.includes(LAUNCHER_MARK)) {
    const pick = await vscode.window.showWarningMessage(
      `Agentic Background: ${target} exists and was not written by this extension (an npm install?). Replace it?`,
      { modal: true },
      'Replace',
    );
    if (pick !== 'Replace') return undefined;
  }
  const root = ext.extensionUri.fsPath;
  const script = launcherScript({
    cli: join(root, 'dist', 'cli.js'),
    runtime: process.execPath,
    extensionsDir: dirname(root),
    folderPrefix: basename(root).replace(/-\d+\.\d+\.\d+.*$/, '-'),
  });
  await mkdir(dir, { recursive: true });
  await writeFile(target, script, { mode: 0o755 });
  await chmod(target, 0o755);
  const onPath = (process.env.PATH ?? '').split(delimiter).includes(dir);
  const msg = onPath
    ? `Agentic Background: installed ${target}. Run agentic-bg --help in a terminal.`
    : `Agentic Background: installed ${target}, but ${dir} is not on your PATH. Add it in your shell profile: export PATH="${dir}:$PATH"`;
  void (onPath ? vscode.window.showInformationMessage(msg) : vscode.window.showWarningMessage(msg));
  return target;
}

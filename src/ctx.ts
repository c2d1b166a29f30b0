// Owns everything the extension creates. Two lifetimes: the extension's (this object's `subs`:
// views, status bar, commands, watchers, one Session per folder) and one host connection's
// (bound in Session.attached, gone with the connection). activate() builds this; deactivate()
// awaits stop().
import { realpath } from 'node:fs/promises';
import * as vscode from 'vscode';
import { CONFIG_FILE_NAME, hostPaths } from '../common/node/paths';
import { registerCommands } from './commands';
import { readSettings, SECTION } from './config';
import { Diagnostics } from './diagnostics';
import { Log } from './log';
import { OnSave } from './onSave';
import { Session } from './session';
import { ErrorCodes, ReloadConfigRequest } from '../common/protocol';
import type { ConfigIssue } from '../common/model';
import { StatusBar } from './statusBar';
import { TASK_LOG_SCHEME, TaskLogProvider } from './taskLog';
import type { FolderHealth } from './statusModel';
import { Trust } from './trust';
import { AgentsView } from './views/agentsView';
import { TasksView } from './views/tasksView';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Ctx implements vscode.Disposable {
  readonly log = new Log();
  readonly diagnostics = new Diagnostics();
  readonly trust: Trust;
  readonly statusBar = new StatusBar();
  readonly agentsView = new AgentsView(() => this.sessions);
  readonly tasksView = new TasksView(() => this.sessions);
  readonly onSave: OnSave;
  private readonly byFolder = new Map<string, Session>();
  private readonly subs: vscode.Disposable[] = [];
  private readonly pending = new Set<string>();
  private readonly contextKeys = new Map<string, boolean>();

  constructor(readonly ext: vscode.ExtensionContext) {
    this.trust = new Trust(ext.globalState, this.log);
    this.onSave = new OnSave(
      (uri) => this.sessionForUri(uri),
      this.log,
      (s) => this.trust.deniedAgents(s),
    );
    const watcher = vscode.workspace.createFileSystemWatcher(`**/${CONFIG_FILE_NAME}`, false, true, true);
    this.subs.push(
      this.log,
      this.diagnostics,
      this.trust,
      this.statusBar,
      this.agentsView,
      this.tasksView,
      this.onSave,
      watcher,
      vscode.window.registerTreeDataProvider('agenticBackground.agents', this.agentsView),
      vscode.window.registerTreeDataProvider('agenticBackground.tasks', this.tasksView),
      ...registerCommands(this),
      vscode.workspace.registerTextDocumentContentProvider(TASK_LOG_SCHEME, new TaskLogProvider(() => this.sessions)),
      watcher.onDidCreate((uri) => {
        const f = vscode.workspace.getWorkspaceFolder(uri);
        if (f && vscode.Uri.joinPath(f.uri, CONFIG_FILE_NAME).toString() === uri.toString())
          this.addFolder(f).catch((e) => this.log.error('adding a folder failed', e));
      }),
      vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const f of e.removed) this.removeFolder(f);
        for (const f of e.added) this.addFolder(f).catch((err) => this.log.error('adding a folder failed', err));
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.trustGranted()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration(SECTION)) return;
        if (e.affectsConfiguration(`${SECTION}.hostLogLevel`))
          for (const s of this.sessions) s.subscribeLog().catch((err) => this.log.error('log/subscribe failed', err));
        if (e.affectsConfiguration(`${SECTION}.autoStart`) && readSettings().autoStart)
          for (const s of this.sessions) s.client.kick();
        this.update();
      }),
    );
    this.update();
    // the folder scan is async (stat, realpath): activate() returns before it
    Promise.all((vscode.workspace.workspaceFolders ?? []).map((f) => this.addFolder(f))).catch((err) =>
      this.log.error('scanning the workspace failed', err),
    );
  }

  get sessions(): Session[] {
    return [...this.byFolder.values()];
  }
  sessionOf(f: vscode.WorkspaceFolder): Session | undefined {
    return this.byFolder.get(f.uri.toString());
  }
  private sessionForUri(uri: vscode.Uri): Session | undefined {
    const f = vscode.workspace.getWorkspaceFolder(uri);
    return f && this.sessionOf(f);
  }

  /** One host per folder that has agentic_config.yaml at its root. */
  async addFolder(f: vscode.WorkspaceFolder): Promise<void> {
    const key = f.uri.toString();
    if (f.uri.scheme !== 'file' || this.byFolder.has(key) || this.pending.has(key)) return;
    this.pending.add(key);
    try {
      const exists = await vscode.workspace.fs.stat(vscode.Uri.joinPath(f.uri, CONFIG_FILE_NAME)).then(
        () => true,
        () => false,
      );
      if (!exists) return;
      const s = new Session(f, hostPaths(await realpath(f.uri.fsPath)), {
        log: this.log,
        hostScript: vscode.Uri.joinPath(this.ext.extensionUri, 'dist', 'host.js').fsPath,
        workspaceState: this.ext.workspaceState,
        launchFlags: () => this.trust.launchFlags(),
        findingsAll: (sess, all) => this.diagnostics.replaceFolder(sess.folder.uri, all),
        findingsChanged: (sess, p) => {
          for (const x of p.files) this.diagnostics.setFile(sess.folder.uri, p.agent, x.file, x.findings);
        },
        attached: (sess) => this.trust.onAgents(sess),
      });
      this.byFolder.set(key, s);
      s.onDidChange((what) => this.changed(s, what));
      this.log.info(`[${f.name}] ${CONFIG_FILE_NAME} found; host socket ${s.paths.socket}`);
      s.client.kick();
      this.update();
    } finally {
      this.pending.delete(key);
    }
  }

  private removeFolder(f: vscode.WorkspaceFolder): void {
    const s = this.sessionOf(f);
    if (!s) return;
    this.byFolder.delete(f.uri.toString());
    this.onSave.forget(s);
    this.diagnostics.clearFolder(f.uri);
    s.dispose();
    this.update();
  }

  private changed(s: Session, what: string): void {
    if (what === 'agents' || what === 'state') {
      this.agentsView.refresh();
      this.trust.onAgents(s);
    }
    if (what === 'tasks' || what === 'state') this.tasksView.refresh();
    if (what === 'status' && s.status) this.showConfigIssues(s, s.status.config.issues);
    if (what === 'state' && s.client.state !== 'connected') this.diagnostics.clearFolder(s.folder.uri);
    this.update();
  }

  private showConfigIssues(s: Session, issues: ConfigIssue[]): void {
    this.diagnostics.setConfigIssues(s.configUri, issues);
  }

  /** Status bar and context keys (menus and enablement follow them). */
  update(): void {
    const sessions = this.sessions;
    const folders: FolderHealth[] = sessions.map((s) => ({
      name: s.name,
      conn: s.client.state,
      ...(s.client.lastError ? { detail: s.client.lastError } : {}),
      ...(s.status ? { status: s.status } : {}),
      restricted: !this.trust.trusted,
      awaitingApproval: s.status ? this.trust.awaiting(s) : [],
    }));
    this.statusBar.update(folders, readSettings().onSave);
    // only changes go to the workbench: status notifications arrive up to 10 times a second
    const set = (k: string, v: boolean) => {
      if (this.contextKeys.get(k) === v) return;
      this.contextKeys.set(k, v);
      void vscode.commands.executeCommand('setContext', `agenticBackground.${k}`, v);
    };
    set('hasConfig', sessions.length > 0);
    set(
      'hostRunning',
      sessions.some((s) => s.client.state === 'connected'),
    );
    set(
      'hostStopped',
      sessions.some((s) => s.client.state !== 'connected'),
    );
    set('restricted', !this.trust.trusted);
    set('onSave', readSettings().onSave);
  }

  startHost(s: Session): Promise<void> {
    return Promise.resolve(s.setStoppedByUser(false)).then(() => s.client.kick({ launch: true }));
  }

  async stopHost(s: Session): Promise<void> {
    await s.setStoppedByUser(true); // before the stop, so the closing connection is not "a crash"
    await s.client.shutdown('stopped from VS Code');
  }

  /** Stop, wait for the old process to be gone (it holds the lock), start again. */
  async restartHost(s: Session): Promise<void> {
    const pid = s.status?.pid;
    await this.stopHost(s);
    for (let i = 0; pid && i < 150 && alive(pid); i++) await sleep(100);
    await this.startHost(s);
  }

  async reloadConfig(s: Session): Promise<ReloadConfigRequest.Result | undefined> {
    try {
      const r = await s.client.request(ReloadConfigRequest.type, {});
      void vscode.window.setStatusBarMessage(
        `Agentic Background: configuration reloaded${r.changedAgents.length ? ` (changed: ${r.changedAgents.join(', ')})` : ''}`,
        4000,
      );
      return r;
    } catch (err) {
      const e = err as { code?: number; data?: ReloadConfigRequest.Result };
      if (e.code !== ErrorCodes.ConfigInvalid) throw err;
      const issues = e.data?.issues ?? [];
      this.showConfigIssues(s, issues);
      // not awaited: the message stays until dismissed, the command's result must not wait for it
      void vscode.window
        .showErrorMessage(
          `Agentic Background: ${CONFIG_FILE_NAME} has ${issues.length} issue(s); the previous configuration stays in force.`,
          'Open Config',
        )
        .then((b) => (b ? vscode.window.showTextDocument(s.configUri) : undefined));
      return e.data;
    }
  }

  /** Trust granted: hosts we launched restricted come back unrestricted (with approvals). */
  private trustGranted(): void {
    for (const s of this.sessions) {
      if (s.status?.restricted && s.status.launchedBy === 'extension')
        this.restartHost(s).catch((err) => this.log.error('restarting the host after trust was granted failed', err));
    }
    this.update();
  }

  /** Closes our connections; hosts we launched stop by themselves once idle and unattended. */
  async stop(): Promise<void> {
    for (const s of this.sessions) s.dispose();
    this.byFolder.clear();
    for (const d of this.subs.splice(0).reverse()) d.dispose();
  }

  dispose(): void {
    void this.stop();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

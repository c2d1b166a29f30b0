// Every command, in one table. A command that needs a host says so (with a Start button) when the
// folder's host is down instead of failing obscurely; every failure is shown and logged.
import * as vscode from 'vscode';
import { setOnSave, readSettings } from './config';
import { showDoctor } from './doctor';
import { installCli } from './installCli';
import type { Ctx } from './ctx';
import { errorText } from './log';
import { relativePath } from './onSave';
import { pickSession, pickSubmit, pickTask } from './picks';
import type { Session } from './session';
import { STARTER_CONFIG } from './starterConfig';
import { taskLogUri } from './taskLog';
import type { TaskInfo } from '../common/model';
import * as P from '../common/protocol';
import { CONFIG_FILE_NAME } from '../common/node/paths';

type Run = (ctx: Ctx, s: Session | undefined, ...args: unknown[]) => unknown;
interface Command {
  id: string;
  title: string;
  /** 'connected': needs a running host; 'session': needs a folder with the file; 'none' */
  needs: 'connected' | 'session' | 'none';
  /** which sessions the folder pick offers */
  filter?: (s: Session) => boolean;
  run: Run;
}

const connected = (s: Session) => s.client.state === 'connected';
/** a tree node passes {session, task|agent}; a command-palette call passes nothing */
const nodeTask = (a: unknown): TaskInfo | undefined =>
  a && typeof a === 'object' && 'task' in a ? (a as { task: TaskInfo }).task : undefined;
const nodeSession = (a: unknown): Session | undefined =>
  a && typeof a === 'object' && 'session' in a ? (a as { session: Session }).session : undefined;

export const COMMANDS: Command[] = [
  {
    id: 'agenticBackground.start',
    title: 'Start Host',
    needs: 'session',
    filter: (s) => !connected(s),
    run: (ctx, s) => ctx.startHost(s!),
  },
  { id: 'agenticBackground.stop', title: 'Stop Host', needs: 'connected', run: (ctx, s) => ctx.stopHost(s!) },
  { id: 'agenticBackground.restart', title: 'Restart Host', needs: 'connected', run: (ctx, s) => ctx.restartHost(s!) },
  {
    id: 'agenticBackground.submitTask',
    title: 'Submit Task…',
    needs: 'connected',
    run: async (_ctx, s, item) => {
      const it = (item as P.SubmitItem | undefined) ?? (await pickSubmit(s!));
      if (!it) return undefined;
      const r = await s!.client.request(P.SubmitRequest.type, { ...it, source: 'vscode' });
      void vscode.window.setStatusBarMessage(
        `Agentic Background: task ${r.taskId}${r.coalesced ? ' (coalesced with a queued one)' : ''} submitted`,
        4000,
      );
      return r;
    },
  },
  {
    id: 'agenticBackground.runOnCurrentFile',
    title: 'Run Agents on Current File',
    needs: 'connected',
    run: async (_ctx, s) => {
      const uri = vscode.window.activeTextEditor?.document.uri;
      const rel = uri && relativePath(s!, uri);
      if (!rel)
        return void vscode.window.showInformationMessage('Agentic Background: open a file of the workspace first.');
      // the host decides what the file triggers, as it does for a save
      const { targets } = await s!.client.request(P.MatchTriggersRequest.type, { file: rel });
      if (!targets.length) {
        const it = await pickSubmit(s!);
        return it && s!.client.request(P.SubmitBatchRequest.type, { items: [it], source: 'vscode' });
      }
      const items = targets.map((t) => ({
        agent: t.agent,
        task: t.task,
        files: [rel],
        ...(t.priority ? { priority: t.priority } : {}),
      }));
      return s!.client.request(P.SubmitBatchRequest.type, { items, source: 'vscode' });
    },
  },
  {
    id: 'agenticBackground.cancelTask',
    title: 'Cancel Task',
    needs: 'connected',
    run: async (_ctx, s, node) => {
      const t = nodeTask(node) ?? (await pickTask(s!, ['queued', 'running', 'retrying'], 'Task to cancel'));
      return t && s!.client.request(P.CancelTaskRequest.type, { id: t.id });
    },
  },
  {
    id: 'agenticBackground.retryTask',
    title: 'Retry Task',
    needs: 'connected',
    run: async (_ctx, s, node) => {
      const t = nodeTask(node) ?? (await pickTask(s!, ['failed', 'cancelled', 'interrupted'], 'Task to retry'));
      return t && s!.client.request(P.RetryTaskRequest.type, { id: t.id });
    },
  },
  {
    id: 'agenticBackground.openTaskLog',
    title: 'Open Task Log',
    needs: 'connected',
    run: async (_ctx, s, node) => {
      const t =
        nodeTask(node) ??
        (await pickTask(
          s!,
          ['running', 'succeeded', 'failed', 'cancelled', 'retrying', 'interrupted'],
          'Task whose log to open',
        ));
      if (!t) return undefined;
      // a read-only document (TaskLogProvider): nothing to save, nothing left dirty on close
      const doc = await vscode.workspace.openTextDocument(taskLogUri(s!, t));
      await vscode.languages.setTextDocumentLanguage(doc, 'log');
      await vscode.window.showTextDocument(doc, { preview: true });
      return doc;
    },
  },
  {
    id: 'agenticBackground.restartAgent',
    title: 'Restart Agent',
    needs: 'connected',
    run: async (_ctx, s, node) => {
      const given =
        node && typeof node === 'object' && 'agent' in node ? (node as { agent: { id: string } }).agent.id : undefined;
      const id =
        given ??
        (
          await vscode.window.showQuickPick(
            s!.agents.map((a) => ({ label: a.id, description: `${a.state}${a.reason ? ` · ${a.reason}` : ''}` })),
            { placeHolder: 'Agent to restart' },
          )
        )?.label;
      return id && s!.client.request(P.RestartAgentRequest.type, { id });
    },
  },
  {
    id: 'agenticBackground.reloadConfig',
    title: 'Reload Config',
    needs: 'connected',
    run: (ctx, s) => ctx.reloadConfig(s!),
  },
  {
    id: 'agenticBackground.reviewApprovals',
    title: 'Review Agent Approvals',
    needs: 'connected',
    run: (ctx, s) => {
      if (!ctx.trust.awaiting(s!).length)
        return void vscode.window.showInformationMessage('Agentic Background: no agent is waiting for approval.');
      ctx.trust.review(s!);
    },
  },
  { id: 'agenticBackground.showLogs', title: 'Show Logs', needs: 'none', run: (ctx) => ctx.log.channel.show(true) },
  {
    id: 'agenticBackground.openConfig',
    title: 'Open Config',
    needs: 'session',
    run: async (_ctx, s) => vscode.window.showTextDocument(await vscode.workspace.openTextDocument(s!.configUri)),
  },
  {
    id: 'agenticBackground.createStarterConfig',
    title: 'Create Starter Config',
    needs: 'none',
    run: (ctx) => createStarter(ctx),
  },
  {
    id: 'agenticBackground.toggleOnSave',
    title: 'Toggle Run on Save',
    needs: 'none',
    run: async () => {
      const on = !readSettings().onSave;
      await setOnSave(on);
      void vscode.window.setStatusBarMessage(`Agentic Background: run on save ${on ? 'on' : 'off'}`, 3000);
      return on;
    },
  },
  { id: 'agenticBackground.showActions', title: 'Show Actions', needs: 'none', run: (ctx) => showActions(ctx) },
  {
    id: 'agenticBackground.installCli',
    title: "Install 'agentic-bg' Command in PATH",
    needs: 'none',
    run: (ctx) => installCli(ctx.ext),
  },
  {
    id: 'agenticBackground.runDoctor',
    title: 'Run Doctor',
    needs: 'none',
    run: async (ctx) => {
      const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
      const folder =
        folders.length <= 1
          ? folders[0]
          : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder to check' });
      if (!folder) return void vscode.window.showInformationMessage('Agentic Background: open a folder first.');
      return showDoctor(ctx.ext, folder.uri);
    },
  },
];

async function createStarter(ctx: Ctx): Promise<vscode.Uri | undefined> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file' && !ctx.sessionOf(f));
  if (!folders.length)
    return void vscode.window.showInformationMessage(
      `Agentic Background: every folder already has ${CONFIG_FILE_NAME} (or no folder is open).`,
    );
  const folder =
    folders.length === 1
      ? folders[0]
      : await vscode.window.showWorkspaceFolderPick({ placeHolder: `Folder to create ${CONFIG_FILE_NAME} in` });
  if (!folder) return undefined;
  const uri = vscode.Uri.joinPath(folder.uri, CONFIG_FILE_NAME);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(STARTER_CONFIG));
  await vscode.window.showTextDocument(uri);
  await ctx.addFolder(folder);
  return uri;
}

async function showActions(ctx: Ctx): Promise<void> {
  const up = ctx.sessions.some(connected);
  const down = ctx.sessions.some((s) => !connected(s));
  const items: Array<vscode.QuickPickItem & { id?: string }> = [
    ...(down ? [{ label: '$(play) Start Host', id: 'agenticBackground.start' }] : []),
    ...(up
      ? [
          { label: '$(debug-stop) Stop Host', id: 'agenticBackground.stop' },
          { label: '$(debug-restart) Restart Host', id: 'agenticBackground.restart' },
          { label: '$(run) Run Agents on Current File', id: 'agenticBackground.runOnCurrentFile' },
          { label: '$(add) Submit Task…', id: 'agenticBackground.submitTask' },
          { label: '$(refresh) Reload Config', id: 'agenticBackground.reloadConfig' },
        ]
      : []),
    ...(ctx.sessions.some((s) => ctx.trust.awaiting(s).length)
      ? [{ label: '$(shield) Review Agent Approvals', id: 'agenticBackground.reviewApprovals' }]
      : []),
    {
      label: `$(${readSettings().onSave ? 'circle-slash' : 'check'}) Turn Run on Save ${readSettings().onSave ? 'Off' : 'On'}`,
      id: 'agenticBackground.toggleOnSave',
    },
    { label: '$(output) Show Logs', id: 'agenticBackground.showLogs' },
    { label: '$(pulse) Run Doctor', id: 'agenticBackground.runDoctor' },
    ctx.sessions.length
      ? { label: '$(gear) Open Config', id: 'agenticBackground.openConfig' }
      : { label: '$(new-file) Create Starter Config', id: 'agenticBackground.createStarterConfig' },
  ];
  const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Agentic Background' });
  if (pick?.id) await vscode.commands.executeCommand(pick.id);
}

/** Registers the table; returns the disposables (the extension's lifetime). */
export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return COMMANDS.map((c) =>
    vscode.commands.registerCommand(c.id, async (...args: unknown[]) => {
      try {
        let s: Session | undefined;
        if (c.needs !== 'none') {
          if (!ctx.sessions.length) {
            const b = await vscode.window.showWarningMessage(
              `Agentic Background: no ${CONFIG_FILE_NAME} in this workspace.`,
              'Create Starter Config',
            );
            if (b) await vscode.commands.executeCommand('agenticBackground.createStarterConfig');
            return undefined;
          }
          s =
            nodeSession(args[0]) ??
            (await pickSession(ctx.sessions, args[0], c.needs === 'connected' ? connected : c.filter));
          if (!s && c.needs === 'connected') {
            const b = await vscode.window.showWarningMessage(
              'Agentic Background: the host is not running.',
              'Start Host',
            );
            if (b) await vscode.commands.executeCommand('agenticBackground.start');
            return undefined;
          }
          if (!s) return undefined;
        }
        return await c.run(ctx, s, ...args);
      } catch (err) {
        ctx.log.error(`${c.title} failed`, err);
        void vscode.window.showErrorMessage(`Agentic Background: ${c.title} failed: ${errorText(err)}`);
        return undefined;
      }
    }),
  );
}

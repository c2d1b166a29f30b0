// What activate() returns. Any installed extension can call getExtension(...).exports, so the
// public API is read-only status. The hooks the in-VS Code suite needs (the views' providers,
// diagnostics, sessions, and above all answering the approval prompt, which would let another
// extension auto-approve commands) are added only when VS Code runs the extension in
// ExtensionMode.Test (extensionDevelopmentPath + extensionTestsPath).
import type * as vscode from 'vscode';
import type { Ctx } from './ctx';
import type { Session } from './session';
import type { ApprovalPrompt } from './trust';
import type { AgentsView } from './views/agentsView';
import type { TasksView } from './views/tasksView';

export interface AgenticApi {
  readonly apiVersion: 1;
  /** the status bar item's text, e.g. "Agentic: idle" */
  statusBarText(): string;
}

/** The public API plus the test hooks: only in ExtensionMode.Test. */
export interface AgenticTestApi extends AgenticApi {
  sessions(): Session[];
  statusBarHistory(): readonly string[];
  agentsView: AgentsView;
  tasksView: TasksView;
  diagnostics(uri: vscode.Uri): vscode.Diagnostic[];
  configDiagnostics(uri: vscode.Uri): readonly vscode.Diagnostic[];
  /** findings with no file, shown on the agents' entries of that agentic_config.yaml */
  taskLevelDiagnostics(configUri: vscode.Uri): readonly vscode.Diagnostic[];
  /** files reported saved to a host so far (workspace/didSave), newest last */
  reportedSaves(): readonly string[];
  setApprovalPrompt(p: ApprovalPrompt): void;
}

export function makeApi(ctx: Ctx, testMode: true): AgenticTestApi;
export function makeApi(ctx: Ctx, testMode: boolean): AgenticApi;
export function makeApi(ctx: Ctx, testMode: boolean): AgenticApi | AgenticTestApi {
  const api: AgenticApi = { apiVersion: 1, statusBarText: () => ctx.statusBar.text };
  if (!testMode) return Object.freeze(api);
  const hooks: AgenticTestApi = {
    ...api,
    sessions: () => ctx.sessions,
    statusBarHistory: () => ctx.statusBar.history,
    agentsView: ctx.agentsView,
    tasksView: ctx.tasksView,
    diagnostics: (uri) => ctx.diagnostics.all(uri),
    configDiagnostics: (uri) => ctx.diagnostics.configFor(uri),
    taskLevelDiagnostics: (uri) => ctx.diagnostics.taskLevelFor(uri),
    reportedSaves: () => ctx.onSave.reported,
    setApprovalPrompt: (p) => {
      ctx.trust.prompt = p;
    },
  };
  return hooks;
}

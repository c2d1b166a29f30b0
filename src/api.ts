// What activate() returns: a small surface for the in-VS Code suite (and for other extensions):
// the views' data providers, the status bar text and its history, diagnostics, the folders'
// sessions, and a way to answer the approval prompt (a modal cannot be clicked from a test).
import type * as vscode from 'vscode';
import type { Ctx } from './ctx';
import type { Session } from './session';
import type { ApprovalPrompt } from './trust';
import type { AgentsView } from './views/agentsView';
import type { TasksView } from './views/tasksView';

export interface AgenticApi {
  sessions(): Session[];
  statusBarText(): string;
  statusBarHistory(): readonly string[];
  agentsView: AgentsView;
  tasksView: TasksView;
  diagnostics(uri: vscode.Uri): vscode.Diagnostic[];
  configDiagnostics(uri: vscode.Uri): readonly vscode.Diagnostic[];
  /** files reported saved to a host so far (workspace/didSave), newest last */
  reportedSaves(): readonly string[];
  setApprovalPrompt(p: ApprovalPrompt): void;
}

export function makeApi(ctx: Ctx): AgenticApi {
  return {
    sessions: () => ctx.sessions,
    statusBarText: () => ctx.statusBar.text,
    statusBarHistory: () => ctx.statusBar.history,
    agentsView: ctx.agentsView,
    tasksView: ctx.tasksView,
    diagnostics: (uri) => ctx.diagnostics.all(uri),
    configDiagnostics: (uri) => ctx.diagnostics.configFor(uri),
    reportedSaves: () => ctx.onSave.reported,
    setApprovalPrompt: (p) => {
      ctx.trust.prompt = p;
    },
  };
}

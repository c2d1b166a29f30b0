// Quick picks the commands share: which folder's host, which task, what to submit.
import * as vscode from 'vscode';
import { relativePath } from './onSave';
import type { Session } from './session';
import { PRIORITIES, type Priority, type TaskInfo } from '../common/model';
import type { SubmitItem } from '../common/protocol';

/** The folder a command is about: the given one, the active editor's, the only one, or ask. */
export async function pickSession(
  all: Session[],
  arg: unknown,
  filter: (s: Session) => boolean = () => true,
): Promise<Session | undefined> {
  const candidates = all.filter(filter);
  const given =
    arg && typeof arg === 'object' && 'uri' in arg
      ? all.find((s) => s.folder.uri.toString() === String((arg as vscode.WorkspaceFolder).uri))
      : undefined;
  if (given) return given;
  if (candidates.length <= 1) return candidates[0];
  const active = vscode.window.activeTextEditor?.document.uri;
  const mine = active && candidates.find((s) => relativePath(s, active) !== undefined);
  if (mine) return mine;
  const pick = await vscode.window.showQuickPick(
    candidates.map((s) => ({ label: s.name, description: s.root, s })),
    { placeHolder: 'Which workspace folder?' },
  );
  return pick?.s;
}

export async function pickTask(
  s: Session,
  states: TaskInfo['state'][],
  placeHolder: string,
): Promise<TaskInfo | undefined> {
  const tasks = [...s.tasks.values()]
    .filter((t) => states.includes(t.state))
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  if (!tasks.length) {
    void vscode.window.showInformationMessage(`Agentic Background: no ${states.join(' or ')} tasks.`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    tasks.map((t) => ({
      label: `${t.agent}: ${t.task}`,
      description: `${t.state} · ${t.files.length ? t.files.join(', ') : 'workspace'}`,
      detail: t.id,
      t,
    })),
    { placeHolder },
  );
  return pick?.t;
}

/** Agent → task → files → priority, like `agentic-bg submit`. */
export async function pickSubmit(s: Session): Promise<SubmitItem | undefined> {
  const agents = s.agents.filter((a) => a.kind !== 'none');
  const agent = await vscode.window.showQuickPick(
    agents.map((a) => ({
      label: a.id,
      description: `${a.kind}${a.builtin ? ` (${a.builtin})` : ''} · ${a.state}`,
      detail: a.command?.join(' '),
      a,
    })),
    { placeHolder: 'Agent to run', title: 'Submit Task (1/4)' },
  );
  if (!agent) return undefined;
  const known = [...new Set((s.config?.triggers ?? []).filter((t) => t.agent === agent.a.id).map((t) => t.task))];
  const taskPick = await vscode.window.showQuickPick(
    [...known.map((t) => ({ label: t })), { label: '$(edit) Other task name…', other: true }],
    {
      placeHolder: 'Task',
      title: 'Submit Task (2/4)',
    },
  );
  if (!taskPick) return undefined;
  const task =
    'other' in taskPick ? await vscode.window.showInputBox({ prompt: 'Task name', value: agent.a.id }) : taskPick.label;
  if (!task) return undefined;
  const active = vscode.window.activeTextEditor?.document.uri;
  const activeRel = active && relativePath(s, active);
  const openRel = vscode.workspace.textDocuments.map((d) => relativePath(s, d.uri)).filter((x): x is string => !!x);
  const fileChoices = [
    ...(activeRel ? [{ label: '$(file) Current file', description: activeRel, files: [activeRel] }] : []),
    ...(openRel.length
      ? [{ label: '$(files) All open files', description: `${openRel.length} file(s)`, files: openRel }]
      : []),
    { label: '$(folder-opened) Choose files…', files: undefined as string[] | undefined },
    { label: '$(root-folder) The whole workspace (no files)', files: [] as string[] },
  ];
  const filePick = await vscode.window.showQuickPick(fileChoices, { placeHolder: 'Files', title: 'Submit Task (3/4)' });
  if (!filePick) return undefined;
  let files = filePick.files;
  if (!files) {
    const uris = await vscode.window.showOpenDialog({
      canSelectMany: true,
      defaultUri: s.folder.uri,
      openLabel: 'Submit',
    });
    if (!uris) return undefined;
    files = uris.map((u) => relativePath(s, u)).filter((x): x is string => !!x);
  }
  const prio = await vscode.window.showQuickPick(
    PRIORITIES.map((p) => ({ label: p, description: p === agent.a.priority ? "the agent's default" : '' })),
    { placeHolder: 'Priority', title: 'Submit Task (4/4)' },
  );
  if (!prio) return undefined;
  return { agent: agent.a.id, task, files, priority: prio.label as Priority };
}

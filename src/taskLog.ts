// A task's captured output as a read-only document (agentic-task-log:/ID.log?ROOT), read from the
// host with tasks/log when opened, so closing it never asks to save anything.
import * as vscode from 'vscode';
import type { Session } from './session';
import type { TaskInfo } from '../common/model';
import { TaskLogRequest } from '../common/protocol';

export const TASK_LOG_SCHEME = 'agentic-task-log';

export function taskLogUri(s: Session, t: TaskInfo): vscode.Uri {
  return vscode.Uri.from({ scheme: TASK_LOG_SCHEME, path: `/${t.agent} ${t.task} ${t.id}.log`, query: s.root });
}

export class TaskLogProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly sessions: () => Session[]) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const s = this.sessions().find((x) => x.root === uri.query);
    const id = /(\S+)\.log$/.exec(uri.path)?.[1];
    if (!s || !id) return 'This task log is no longer available (its folder is not open).\n';
    const t = s.tasks.get(id);
    try {
      const log = await s.client.request(TaskLogRequest.type, { id });
      const header = `# ${t ? `${t.agent}: ${t.task} — ` : ''}${id}${t ? ` (${t.state})` : ''}${log.truncated ? ' — showing the end only' : ''}\n`;
      return header + (log.text || '(no output)\n');
    } catch (err) {
      return `The log of task ${id} could not be read: ${err instanceof Error ? err.message : String(err)}\n`;
    }
  }
}

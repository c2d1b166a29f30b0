// The Tasks view: tasks grouped by state (per folder when there are several) with priority,
// attempt, duration and reason; inline cancel / retry / open log, decided by contextValue.
import * as vscode from 'vscode';
import type { Session } from '../session';
import type { TaskInfo } from '../../common/model';
import { DebouncedRefresh } from './debounce';
import { groupTasks, taskRow, type TaskGroup } from './treeModels';

export type TaskNode =
  | { kind: 'folder'; session: Session }
  | { kind: 'group'; session: Session; group: TaskGroup }
  | { kind: 'task'; session: Session; task: TaskInfo }
  | { kind: 'message'; session: Session; text: string };

const OPEN_GROUPS = new Set(['running', 'retrying', 'queued', 'failed', 'interrupted']);

export class TasksView implements vscode.TreeDataProvider<TaskNode>, vscode.Disposable {
  private readonly refresher = new DebouncedRefresh<TaskNode>();
  readonly onDidChangeTreeData = this.refresher.event;

  constructor(private readonly sessions: () => Session[]) {}

  refresh(): void {
    this.refresher.fire();
  }

  getChildren(node?: TaskNode): TaskNode[] {
    const all = this.sessions();
    if (!node)
      return all.length > 1
        ? all.map((session) => ({ kind: 'folder', session }))
        : all.flatMap((s) => this.groupsOf(s));
    if (node.kind === 'folder') return this.groupsOf(node.session);
    if (node.kind === 'group') return node.group.tasks.map((task) => ({ kind: 'task', session: node.session, task }));
    return [];
  }

  private groupsOf(session: Session): TaskNode[] {
    if (session.client.state !== 'connected') return [{ kind: 'message', session, text: 'Host not running' }];
    const groups = groupTasks(session.tasks.values());
    if (!groups.length) return [{ kind: 'message', session, text: 'No tasks yet: save a file or run “Submit Task”' }];
    return groups.map((group) => ({ kind: 'group', session, group }));
  }

  getTreeItem(node: TaskNode): vscode.TreeItem {
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(node.session.name, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = vscode.ThemeIcon.Folder;
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('info');
        return item;
      }
      case 'group': {
        const g = node.group;
        const item = new vscode.TreeItem(
          g.label,
          OPEN_GROUPS.has(g.state)
            ? vscode.TreeItemCollapsibleState.Expanded
            : vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.id = `${node.session.root}#group:${g.state}`;
        item.description = g.total > g.tasks.length ? `${g.total} (newest ${g.tasks.length})` : String(g.total);
        item.iconPath = new vscode.ThemeIcon(g.icon);
        item.contextValue = `group.${g.state}`;
        return item;
      }
      case 'task': {
        const row = taskRow(node.task, Date.now());
        const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
        item.id = `${node.session.root}#task:${node.task.id}`;
        item.description = row.description;
        item.tooltip = new vscode.MarkdownString(row.tooltip);
        item.contextValue = row.contextValue;
        item.iconPath = new vscode.ThemeIcon(row.icon);
        return item;
      }
    }
  }

  dispose(): void {
    this.refresher.dispose();
  }
}

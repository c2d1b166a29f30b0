// The Agents view: per folder (when there are several) the host's agents with state, pid, CPU,
// memory, restarts, enforcement tier and why one is held; inline restart.
import * as vscode from 'vscode';
import type { Session } from '../session';
import type { AgentInfo } from '../../common/model';
import { DebouncedRefresh } from './debounce';
import { agentRow } from './treeModels';

export type AgentNode =
  | { kind: 'folder'; session: Session }
  | { kind: 'agent'; session: Session; agent: AgentInfo }
  | { kind: 'message'; session: Session; text: string; command?: vscode.Command };

export class AgentsView implements vscode.TreeDataProvider<AgentNode>, vscode.Disposable {
  private readonly refresher = new DebouncedRefresh<AgentNode>();
  readonly onDidChangeTreeData = this.refresher.event;

  constructor(private readonly sessions: () => Session[]) {}

  refresh(): void {
    this.refresher.fire();
  }

  getChildren(node?: AgentNode): AgentNode[] {
    const all = this.sessions();
    if (!node)
      return all.length > 1
        ? all.map((session) => ({ kind: 'folder', session }))
        : all.flatMap((s) => this.agentsOf(s));
    return node.kind === 'folder' ? this.agentsOf(node.session) : [];
  }

  private agentsOf(session: Session): AgentNode[] {
    const st = session.client.state;
    if (st !== 'connected') {
      const text =
        st === 'stopped'
          ? 'Host stopped — click to start'
          : st === 'connecting'
            ? 'Starting the host…'
            : `Host not running${session.client.lastError ? `: ${session.client.lastError}` : ''}`;
      return [
        {
          kind: 'message',
          session,
          text,
          command: { command: 'agenticBackground.start', title: 'Start Host', arguments: [session.folder] },
        },
      ];
    }
    if (!session.agents.length) return [{ kind: 'message', session, text: 'No agents configured' }];
    return session.agents.map((agent) => ({ kind: 'agent', session, agent }));
  }

  getTreeItem(node: AgentNode): vscode.TreeItem {
    if (node.kind === 'folder') {
      const item = new vscode.TreeItem(node.session.name, vscode.TreeItemCollapsibleState.Expanded);
      item.iconPath = vscode.ThemeIcon.Folder;
      item.description = node.session.status ? `pid ${node.session.status.pid}` : node.session.client.state;
      item.contextValue = `folder.${node.session.client.state}`;
      return item;
    }
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon('info');
      if (node.command) item.command = node.command;
      return item;
    }
    const row = agentRow(node.agent);
    const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
    item.id = `${node.session.root}#agent:${node.agent.id}`;
    item.description = row.description;
    item.tooltip = new vscode.MarkdownString(row.tooltip);
    item.contextValue = row.contextValue;
    item.iconPath = new vscode.ThemeIcon(row.icon, row.color ? new vscode.ThemeColor(row.color) : undefined);
    return item;
  }

  dispose(): void {
    this.refresher.dispose();
  }
}

// One workspace folder that has agentic_config.yaml, and what we know of its host. The client
// owns the connection; everything bound in attached() lives exactly as long as that connection
// (notification handlers die with it), the model (status, agents, tasks, triggers) is refreshed
// on each attach and kept current from the host's notifications.
import * as vscode from 'vscode';
import type { HostConnection } from '../common/node/connect';
import type { HostPaths } from '../common/node/paths';
import { readSettings } from './config';
import { HostClient } from './hostClient';
import type { Log } from './log';
import type { AgentInfo, Finding, HostStatus, TaskInfo } from '../common/model';
import * as P from '../common/protocol';

export type SessionChange = 'status' | 'tasks' | 'agents' | 'config' | 'state';

export interface SessionDeps {
  log: Log;
  hostScript: string;
  workspaceState: vscode.Memento;
  launchFlags(): string[];
  /** every current finding of the folder (on attach) */
  findingsAll(s: Session, findings: Finding[]): void;
  /** one run's findings for the files it covered */
  findingsChanged(s: Session, p: P.FindingsNotification.Params): void;
  attached(s: Session): void;
}

const TASK_HISTORY = 300;

export class Session implements vscode.Disposable {
  readonly client: HostClient;
  status: HostStatus | undefined;
  agents: AgentInfo[] = [];
  readonly tasks = new Map<string, TaskInfo>();
  config: P.GetConfigRequest.Result | undefined;
  private readonly emitter = new vscode.EventEmitter<SessionChange>();
  readonly onDidChange = this.emitter.event;
  private configLoadedAt: string | undefined;

  constructor(
    readonly folder: vscode.WorkspaceFolder,
    readonly paths: HostPaths,
    private readonly deps: SessionDeps,
  ) {
    this.client = new HostClient(folder.name, paths, {
      log: deps.log,
      hostScript: deps.hostScript,
      mayLaunch: () => readSettings().autoStart && !this.stoppedByUser,
      launchFlags: deps.launchFlags,
      attached: (c) => this.attached(c),
      detached: () => this.detached(),
    });
    this.client.onDidChangeState(() => this.emitter.fire('state'));
  }

  get name(): string {
    return this.folder.name;
  }
  get root(): string {
    return this.paths.workspace;
  }
  get configUri(): vscode.Uri {
    return vscode.Uri.file(this.paths.config);
  }

  /** "the user stopped this host": kept in workspaceState until they start it again (ARCHITECTURE.md: Processes) */
  get stoppedByUser(): boolean {
    return this.deps.workspaceState.get<boolean>(this.stopKey, false);
  }
  setStoppedByUser(v: boolean): Thenable<void> {
    return this.deps.workspaceState.update(this.stopKey, v || undefined);
  }
  private get stopKey(): string {
    return `agenticBackground.stoppedByUser:${this.root}`;
  }

  private attached(conn: HostConnection): void {
    const on = <T>(def: P.NotificationDef<T>, fn: (p: T) => void) => conn.onNotification(def, fn);
    on(P.StatusNotification.type, (s) => this.setStatus(s));
    on(P.AgentsNotification.type, (p) => {
      this.agents = p.agents;
      this.emitter.fire('agents');
    });
    on(P.TasksNotification.type, (p) => {
      for (const t of p.changed) this.tasks.set(t.id, t);
      for (const id of p.removed) this.tasks.delete(id);
      this.trimTasks();
      this.emitter.fire('tasks');
    });
    on(P.FindingsNotification.type, (p) => this.deps.findingsChanged(this, p));
    on(P.LogNotification.type, (p) => this.deps.log.host(this.name, p.records));
    on(P.WillStopNotification.type, (p) => {
      // someone stopped it on purpose (a command, `agentic-bg stop`, a signal): do not respawn
      this.deps.log.info(
        `[${this.name}] the host is stopping (${p.reason}${p.requestedBy ? `, asked by ${p.requestedBy}` : ''})`,
      );
      void this.setStoppedByUser(true);
    });
    this.refresh(conn).catch((err) => this.deps.log.error(`[${this.name}] reading the host's state failed`, err));
  }

  /** The whole state after an attach; notifications that race with it only make it newer. */
  private async refresh(conn: HostConnection): Promise<void> {
    const [status, tasks, findings] = await Promise.all([
      conn.request(P.StatusRequest.type, {}),
      conn.request(P.ListTasksRequest.type, { limit: TASK_HISTORY }),
      conn.request(P.ListFindingsRequest.type, {}),
      this.subscribeLog(conn),
    ]);
    this.tasks.clear();
    for (const t of tasks.tasks) this.tasks.set(t.id, t);
    this.emitter.fire('tasks');
    this.deps.findingsAll(this, findings.findings);
    this.setStatus(status);
    this.deps.attached(this);
  }

  async subscribeLog(conn = this.client.conn): Promise<void> {
    if (!conn) return;
    const r = await conn.request(P.SubscribeLogRequest.type, { level: readSettings().hostLogLevel, backlog: 50 });
    this.deps.log.host(this.name, r.records);
  }

  private setStatus(s: HostStatus): void {
    this.status = s;
    this.agents = s.agents;
    this.emitter.fire('status');
    this.emitter.fire('agents');
    // triggers come from the host's resolved config; re-read them when it was (re)loaded
    if (s.config.loadedAt !== this.configLoadedAt) {
      this.configLoadedAt = s.config.loadedAt;
      this.client
        .request(P.GetConfigRequest.type, {})
        .then((c) => {
          this.config = c;
          this.emitter.fire('config');
        })
        .catch((err) => this.deps.log.error(`[${this.name}] config/get failed`, err));
    }
  }

  private trimTasks(): void {
    if (this.tasks.size <= TASK_HISTORY * 2) return;
    const done = [...this.tasks.values()]
      .filter((t) => t.finishedAt)
      .sort((a, b) => (a.finishedAt! < b.finishedAt! ? -1 : 1));
    for (const t of done.slice(0, this.tasks.size - TASK_HISTORY)) this.tasks.delete(t.id);
  }

  private detached(): void {
    this.status = undefined;
    this.configLoadedAt = undefined;
    this.emitter.fire('status');
  }

  dispose(): void {
    this.client.dispose();
    this.emitter.dispose();
  }
}

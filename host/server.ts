// Binds the protocol (common/protocol.ts) to the host core, one MessageConnection per client.
// Nothing but `host/hello` with the right token is answered first. Notifications are coalesced:
// changes are gathered and flushed at most every 100 ms to every client that said hello.
import { ResponseError, type CancellationToken, type MessageConnection } from 'vscode-jsonrpc/node';
import { timingSafeEqual } from 'node:crypto';
import type { LogRecord, TaskInfo, TaskState } from '../common/model';
import { TASK_STATES, isFinal } from '../common/model';
import * as P from '../common/protocol';
import type { RequestDef } from '../common/protocol';
import type { HostCore } from './hostCore';
import { HOST_VERSION } from './hostCore';
import type { HostLog } from './log';
import { LEVEL_RANK } from './logger';
import { JournalError, SubmitError } from './queue/scheduler';

const FLUSH_MS = 100;

interface Client {
  conn: MessageConnection;
  authed: boolean;
  name: string;
  logLevel?: LogRecord['level'];
  logBuffer: LogRecord[];
  unsubscribeLog?: () => void;
  /** its tasks/wait requests in progress: aborted when it disconnects, so no waiter outlives it */
  waits: Set<AbortController>;
}

export class HostServer {
  private readonly clients = new Set<Client>();
  private changed = new Map<string, TaskInfo>();
  private removed = new Set<string>();
  private findings: P.FindingsNotification.Params[] = [];
  private statusDirty = false;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** task and findings notifications, in order; one that tells of an end waits until it is durable */
  private told: Promise<void> = Promise.resolve();

  constructor(
    private readonly core: HostCore,
    private readonly token: string,
    private readonly log: HostLog,
    private readonly onShutdown: (p: P.ShutdownRequest.Params) => void,
    private readonly maxClients = Infinity,
  ) {
    core.on({
      taskChanged: (t) => {
        // the hottest event (several per task): no closure for it
        this.changed.set(t.id, t);
        this.dirty(noop);
      },
      tasksRemoved: (ids) => this.dirty(() => ids.forEach((id) => (this.changed.delete(id), this.removed.add(id)))),
      findings: (agent, taskId, files) => this.dirty(() => this.findings.push({ agent, taskId, files })),
      statusChanged: () => this.dirty(() => undefined),
    });
  }

  get clientCount(): number {
    let n = 0;
    for (const c of this.clients) if (c.authed) n++;
    return n;
  }

  private dirty(fn: () => void): void {
    fn();
    this.statusDirty = true;
    if (!this.timer && this.clients.size) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
    }
  }

  private flush(): void {
    this.timer = undefined;
    const authed = [...this.clients].filter((c) => c.authed);
    if (authed.length === 0) {
      this.changed.clear();
      this.removed.clear();
      this.findings = [];
      return;
    }
    const tasks =
      this.changed.size || this.removed.size
        ? { changed: [...this.changed.values()].map(slim), removed: [...this.removed] }
        : undefined;
    const findings = this.findings;
    const status = this.statusDirty ? this.core.status() : undefined;
    this.changed = new Map();
    this.removed = new Set();
    this.findings = [];
    this.statusDirty = false;
    const tell = (): void => {
      for (const c of authed) {
        if (tasks) void c.conn.sendNotification(P.TasksNotification.type.method, tasks).catch(() => undefined);
        for (const f of findings)
          void c.conn.sendNotification(P.FindingsNotification.type.method, f).catch(() => undefined);
      }
    };
    // a client told that a task ended (and its findings) is told what survives a crash: such a
    // notification goes once the end is on disk (at once when it is already; later ones queue behind)
    if (tasks?.changed.some((t) => isFinal(t.state) || t.state === 'interrupted'))
      this.told = this.told.then(() => this.core.scheduler.durable()).then(tell, () => undefined);
    else if (tasks || findings.length) this.told = this.told.then(tell);
    for (const c of authed) {
      if (status) {
        void c.conn.sendNotification(P.StatusNotification.type.method, status).catch(() => undefined);
        void c.conn
          .sendNotification(P.AgentsNotification.type.method, { agents: status.agents })
          .catch(() => undefined);
      }
    }
  }

  /** Serves one client connection until it closes; `onAuthed` runs once its hello is accepted. */
  attach(conn: MessageConnection, onAuthed?: () => void): void {
    const client: Client = { conn, authed: false, name: '?', logBuffer: [], waits: new Set() };
    this.clients.add(client);
    const core = this.core;
    const on = <Par, R>(def: RequestDef<Par, R>, fn: (p: Par, token: CancellationToken) => R | Promise<R>) =>
      conn.onRequest(def.method, async (params: Par, token: CancellationToken) => {
        if (!client.authed) throw new ResponseError(P.ErrorCodes.Unauthorized, 'send host/hello with the token first');
        try {
          return await fn((params ?? {}) as Par, token);
        } catch (err) {
          if (err instanceof ResponseError) throw err;
          if (err instanceof SubmitError) throw new ResponseError(P.ErrorCodes.InvalidState, err.message);
          if (err instanceof JournalError) throw new ResponseError(P.ErrorCodes.Unavailable, err.message);
          core.logger.error('request failed', { method: def.method, error: String(err) });
          throw new ResponseError(-32603, `internal error in ${def.method}: ${(err as Error).message}`);
        }
      });

    conn.onRequest(P.HelloRequest.type.method, (p: P.HelloRequest.Params) => {
      if (!p || typeof p.token !== 'string' || !tokenMatches(p.token, this.token)) {
        throw new ResponseError(P.ErrorCodes.Unauthorized, 'wrong or missing token');
      }
      if (p.protocolVersion !== P.PROTOCOL_VERSION) {
        throw new ResponseError(
          P.ErrorCodes.VersionMismatch,
          `protocol ${p.protocolVersion} is not supported; the host speaks ${P.PROTOCOL_VERSION}`,
        );
      }
      if (this.stopping) throw new ResponseError(P.ErrorCodes.ShuttingDown, 'the host is shutting down');
      if (!client.authed && this.clientCount >= this.maxClients)
        throw new ResponseError(
          P.ErrorCodes.TooManyClients,
          `the host already serves its maximum of ${this.maxClients} clients; close some and try again`,
        );
      if (!client.authed) onAuthed?.();
      client.authed = true;
      client.name = String(p.client ?? '?');
      core.clients = this.clientCount;
      core.logger.debug('client attached', { client: client.name });
      this.dirty(() => undefined);
      return {
        version: HOST_VERSION,
        protocolVersion: P.PROTOCOL_VERSION,
        pid: process.pid,
        workspace: core.opts.paths.workspace,
        socket: core.opts.socket,
      };
    });

    on(P.StatusRequest.type, () => core.status());
    on(P.ShutdownRequest.type, (p) => {
      this.notifyStopping(p.reason ?? 'host/shutdown', client.name);
      this.stopping = true;
      // after this reply is on its way
      setImmediate(() => this.onShutdown(p));
      return { stopping: true as const, running: core.scheduler.runningCount };
    });
    on(P.SubmitRequest.type, async (p) => {
      const [r] = await core.submit([p], p.source ?? client.name);
      if (r && 'error' in r) throw new ResponseError(P.ErrorCodes.InvalidParams, r.error);
      return r as P.SubmitRequest.Result;
    });
    on(P.SubmitBatchRequest.type, async (p) => {
      if (!Array.isArray(p.items)) throw new ResponseError(P.ErrorCodes.InvalidParams, 'items must be an array');
      return { results: await core.submit(p.items, p.source ?? client.name) };
    });
    on(P.ListTasksRequest.type, (p) => {
      const states =
        p.state === undefined ? undefined : new Set<TaskState>(Array.isArray(p.state) ? p.state : [p.state]);
      for (const s of states ?? [])
        if (!TASK_STATES.includes(s))
          throw new ResponseError(
            P.ErrorCodes.InvalidParams,
            `unknown state "${s}" (one of ${TASK_STATES.join(', ')})`,
          );
      const r = core.scheduler.store.list({
        ...(states ? { states } : {}),
        ...(p.agent ? { agent: p.agent } : {}),
        ...(p.limit ? { limit: p.limit } : {}),
      });
      return { tasks: r.tasks.map(slim), total: r.total };
    });
    on(P.GetTaskRequest.type, (p) => found(core.scheduler.store.get(p.id), p.id));
    on(P.WaitTaskRequest.type, async (p, token) => {
      // $/cancelRequest (a client's Ctrl-C, a closed view) or a disconnect ends the wait: the
      // waiter must not stay in the host until the task ends
      const ac = new AbortController();
      const sub = token.onCancellationRequested(() => ac.abort('cancelled'));
      client.waits.add(ac);
      try {
        const t = await core.scheduler.wait(p.id, p.timeoutMs, ac.signal);
        if (ac.signal.aborted) throw new ResponseError(REQUEST_CANCELLED, 'tasks/wait cancelled');
        return found(t, p.id);
      } finally {
        sub.dispose();
        client.waits.delete(ac);
      }
    });
    on(P.CancelTaskRequest.type, async (p) => found(await core.scheduler.cancel(p.id), p.id));
    on(P.RetryTaskRequest.type, (p) => {
      // an unknown id is NotFound, as for tasks/cancel (the CLI's exit 2), not an invalid state
      found(core.scheduler.store.get(p.id), p.id);
      return core.scheduler.retry(p.id);
    });
    on(P.TaskLogRequest.type, (p) => {
      found(core.scheduler.store.get(p.id), p.id);
      return core.taskLog(p.id, p.tailBytes);
    });
    on(P.RestartAgentRequest.type, (p) => {
      // resets quarantine and restart counters; waiting tasks are pumped
      const a = core.restartAgent(p.id);
      if (!a) throw new ResponseError(P.ErrorCodes.NotFound, `no agent "${p.id}"`);
      return a;
    });
    on(P.ReloadConfigRequest.type, async () => {
      const r = await core.reloadConfig('request');
      if (!r.applied)
        throw new ResponseError(
          P.ErrorCodes.ConfigInvalid,
          `${core.opts.paths.config} is invalid; the previous configuration stays in force`,
          r,
        );
      return r;
    });
    on(P.ListFindingsRequest.type, (p) => ({ findings: core.findings.list(p) }));
    on(P.RecordBaselineRequest.type, (p) => {
      if (p.agent !== undefined && !core.config.agents[p.agent])
        throw new ResponseError(P.ErrorCodes.NotFound, `no agent "${p.agent}"`);
      return core.recordBaseline(p.agent);
    });
    on(P.GetConfigRequest.type, () => ({
      triggers: core.config.triggers,
      agents: Object.values(core.config.agents).map((a) => ({
        id: a.id,
        batch: a.batch,
        kind: a.kind,
        enabled: a.enabled,
      })),
      ...(core.configState.loadedAt ? { loadedAt: core.configState.loadedAt } : {}),
    }));
    conn.onNotification(P.DidSaveNotification.type.method, (p: P.DidSaveNotification.Params) => {
      // a notification has no answer: what is wrong is logged, with the client's name
      if (!client.authed) return core.logger.warn('workspace/didSave before host/hello ignored');
      if (!p || !Array.isArray(p.files))
        return core.logger.warn('workspace/didSave: `files` must be an array of paths', { client: client.name });
      const skip = Array.isArray(p.skipAgents) ? p.skipAgents.filter((a) => typeof a === 'string') : [];
      core.saves
        ?.saved({ files: p.files, source: client.name, skipAgents: skip })
        .catch((err: unknown) => core.logger.error('workspace/didSave failed', { error: String(err) }));
    });
    on(P.MatchTriggersRequest.type, async (p) => {
      if (typeof p.file !== 'string' || !p.file)
        throw new ResponseError(P.ErrorCodes.InvalidParams, '`file` must be a path');
      const r = await core.saves?.router.targets(p.file);
      if (!r) throw new ResponseError(P.ErrorCodes.InvalidParams, `${p.file} is outside the workspace`);
      return {
        file: r.rel,
        targets: r.targets.map((t) => ({
          agent: t.agent,
          task: t.task,
          ...(t.priority ? { priority: t.priority } : {}),
        })),
      };
    });
    on(P.ApproveAgentRequest.type, (p) => {
      const r = core.approve(p.id, p.hash);
      if (!r) throw new ResponseError(P.ErrorCodes.NotFound, `no agent "${p.id}"`);
      return r;
    });
    on(P.SubscribeLogRequest.type, (p) => {
      client.logLevel = p.level ?? 'info';
      client.unsubscribeLog?.();
      let pending: NodeJS.Timeout | undefined;
      client.unsubscribeLog = this.log.subscribe((r) => {
        if (LEVEL_RANK[r.level] < LEVEL_RANK[client.logLevel!]) return;
        client.logBuffer.push(r);
        pending ??= setTimeout(() => {
          pending = undefined;
          const records = client.logBuffer.splice(0);
          void conn.sendNotification(P.LogNotification.type.method, { records }).catch(() => undefined);
        }, FLUSH_MS);
      });
      return {
        records: this.log.backlog(p.backlog ?? 0).filter((r) => LEVEL_RANK[r.level] >= LEVEL_RANK[client.logLevel!]),
      };
    });

    conn.onClose(() => {
      for (const ac of client.waits) ac.abort('disconnected');
      client.waits.clear();
      client.unsubscribeLog?.();
      this.clients.delete(client);
      core.clients = this.clientCount;
      this.dirty(() => undefined);
    });
    conn.listen();
  }

  /**
   * Tells every client a deliberate stop has begun (once), so the extension does not respawn a
   * host someone stopped on purpose; a crash sends nothing and clients reconnect.
   */
  notifyStopping(reason: string, requestedBy?: string): void {
    if (this.stopping) return;
    this.stopping = true;
    const params: P.WillStopNotification.Params = { reason, ...(requestedBy ? { requestedBy } : {}) };
    for (const c of this.clients)
      if (c.authed) void c.conn.sendNotification(P.WillStopNotification.type.method, params).catch(() => undefined);
  }

  /** Stop answering new hellos; flush what is pending; close every connection. */
  async close(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.flush();
    for (const c of this.clients) c.conn.dispose();
    this.clients.clear();
  }
}

const noop = (): void => undefined;
/** JSON-RPC's (LSP's) code for a request the client cancelled */
const REQUEST_CANCELLED = -32800;

function found<T>(x: T | undefined, id: string): T {
  if (x === undefined) throw new ResponseError(P.ErrorCodes.NotFound, `no task ${id}`);
  return x;
}

/** Lists carry no findings (they can be large); tasks/get and tasks/wait do. */
function slim(t: TaskInfo): TaskInfo {
  if (!t.findings || t.findings.length === 0) return t; // nothing to leave out: no copy
  const { findings: _f, ...rest } = t;
  return rest;
}

function tokenMatches(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

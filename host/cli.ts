// agentic-bg: the host driven from a terminal. A client of the same protocol as the extension.
// Exit codes: 0 ok, 1 failure (with --wait: the task failed), 2 bad usage or invalid config,
// 3 host not running.
import { readFile, realpath } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { ResponseError } from 'vscode-jsonrpc/node';
import { PRIORITIES, type LogRecord, type Priority, type TaskInfo } from '../common/model';
import * as P from '../common/protocol';
import { bool, list, num, parseArgs, str, UsageError, type FlagSpec, type Parsed } from './cli/args';
import { fmtFinding, fmtStatus, fmtTask, fmtTasks } from './cli/format';
import { runForeground } from './cli/foreground';
import { startHost, stopHost, tryConnect } from './cli/lifecycle';
import type { HostConnection } from '../common/node/connect';
import { formatIssue } from './config/formatIssue';
import { hostPaths, resolveWorkspace, type HostPaths } from '../common/node/paths';

const HELP = `agentic-bg — background agents for a workspace

usage: agentic-bg <command> [options] [--workspace DIR]

  start [--foreground] [--mode development|production] [--watch]
                                                         start the workspace's host (or attach);
                                                         --watch: it watches the workspace for saves
  stop [--timeout S]                                     stop it gracefully (running tasks get S seconds)
  status [--json]                                        health, queue and agents
  submit --agent A --task T [--file F]… [--priority high|medium|low] [--key K] [--timeout S]
         [--wait] [--json]                               queue a task (--wait: until it ends)
  submit --from FILE|-                                   a batch of JSON lines {agent, task, files?, …}
  tasks [--state S] [--agent A] [--limit N] [--json]     list tasks, newest first
  cancel ID | retry ID | restart-agent ID
  saved FILE…                                            report saved files: the host runs their
                                                         on-save triggers (for editor hooks)
  reload                                                 re-read agentic_config.yaml now
  logs [--follow] [--lines N]                            the host log
  findings [--file F] [--agent A] [--json]               current findings
  baseline [--agent A] [--json]                          accept the current findings: agents with
                                                         baseline: true then report only new ones

exit codes: 0 ok · 1 failure · 2 bad usage or invalid config · 3 host not running
`;

class Exit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const COMMON: FlagSpec = { workspace: 'string', help: 'boolean' };
const SPECS: Record<string, FlagSpec> = {
  start: { foreground: 'boolean', mode: 'string', watch: 'boolean', json: 'boolean' },
  saved: {},
  stop: { timeout: 'string', json: 'boolean' },
  status: { json: 'boolean' },
  submit: {
    agent: 'string',
    task: 'string',
    file: 'list',
    priority: 'string',
    key: 'string',
    timeout: 'string',
    wait: 'boolean',
    json: 'boolean',
    from: 'string',
  },
  tasks: { state: 'string', agent: 'string', limit: 'string', json: 'boolean' },
  cancel: { json: 'boolean' },
  retry: { json: 'boolean' },
  'restart-agent': { json: 'boolean' },
  reload: { json: 'boolean' },
  logs: { follow: 'boolean', lines: 'string' },
  findings: { file: 'string', agent: 'string', json: 'boolean' },
  baseline: { agent: 'string', json: 'boolean' },
};

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : s + '\n');
const json = (v: unknown) => out(JSON.stringify(v, null, 2));

async function attached(paths: HostPaths): Promise<HostConnection> {
  const conn = await tryConnect(paths);
  if (!conn) throw new Exit(3, `no host is running for ${paths.workspace}; start one with: agentic-bg start`);
  return conn;
}

function priorityOf(p: Parsed): Priority | undefined {
  const v = str(p, 'priority');
  if (v !== undefined && !PRIORITIES.includes(v as Priority))
    throw new UsageError(`--priority must be one of ${PRIORITIES.join(', ')}, got "${v}"`);
  return v as Priority | undefined;
}

async function readBatch(from: string): Promise<P.SubmitItem[]> {
  const text =
    from === '-'
      ? await new Promise<string>((resolve) => {
          let s = '';
          process.stdin
            .setEncoding('utf8')
            .on('data', (d) => (s += d))
            .on('end', () => resolve(s));
        })
      : await readFile(from, 'utf8').catch((e: Error) => {
          throw new UsageError(`cannot read ${from}: ${e.message}`);
        });
  const items: P.SubmitItem[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new UsageError(`${from}:${i + 1}: not JSON: ${(e as Error).message}`);
    }
    const o = v as P.SubmitItem;
    if (!o || typeof o !== 'object' || typeof o.agent !== 'string' || typeof o.task !== 'string') {
      throw new UsageError(`${from}:${i + 1}: each line needs "agent" and "task" strings`);
    }
    items.push(o);
  });
  return items;
}

async function submit(paths: HostPaths, p: Parsed): Promise<number> {
  // all usage errors before connecting: a typo is exit 2 whether or not a host runs
  const from = str(p, 'from');
  const agent = str(p, 'agent');
  const task = str(p, 'task');
  if (from === undefined && (!agent || !task)) throw new UsageError('submit needs --agent and --task (or --from FILE)');
  const timeout = num(p, 'timeout', 0.001);
  const priority = priorityOf(p);
  const key = str(p, 'key');
  const items = from !== undefined ? await readBatch(from) : [];
  const conn = await attached(paths);
  try {
    if (from !== undefined) {
      const r = await conn.request(P.SubmitBatchRequest.type, { items, source: 'cli' });
      if (bool(p, 'json')) json(r.results);
      else
        for (const x of r.results)
          out('error' in x ? `line ${x.index + 1}: ${x.error}` : `${x.taskId}${x.coalesced ? ' (coalesced)' : ''}`);
      return r.results.some((x) => 'error' in x) ? 1 : 0;
    }
    const r = await conn.request(P.SubmitRequest.type, {
      agent: agent!,
      task: task!,
      files: list(p, 'file'),
      source: 'cli',
      ...(priority ? { priority } : {}),
      ...(key ? { key } : {}),
      ...(timeout !== undefined ? { timeoutMs: Math.round(timeout * 1000) } : {}),
    });
    if (!bool(p, 'wait')) {
      if (bool(p, 'json')) json(r);
      else out(`${r.taskId}${r.coalesced ? ' (coalesced with a queued task)' : ''}`);
      return 0;
    }
    const t = await conn.request(P.WaitTaskRequest.type, { id: r.taskId });
    if (bool(p, 'json')) json(t);
    else out(fmtTask(t));
    return t.state === 'succeeded' ? 0 : 1;
  } finally {
    conn.close();
  }
}

async function logs(paths: HostPaths, p: Parsed): Promise<number> {
  const n = num(p, 'lines', 1) ?? 50;
  const show = (r: LogRecord) => {
    const { time, level, msg, ...rest } = r;
    const extra = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
    out(`${time} ${level.toUpperCase().padEnd(5)} ${msg}${extra}`);
  };
  if (!bool(p, 'follow')) {
    const text = await readFile(`${paths.logsDir}/host.log`, 'utf8').catch(() => '');
    for (const line of text.trim().split('\n').slice(-n)) if (line) show(JSON.parse(line) as LogRecord);
    return 0;
  }
  const conn = await attached(paths);
  conn.onNotification(P.LogNotification.type, (x) => x.records.forEach(show));
  const r = await conn.request(P.SubscribeLogRequest.type, { level: 'debug', backlog: n });
  r.records.forEach(show);
  await new Promise<void>((resolve) => conn.onClose(resolve));
  return 0;
}

async function run(argv: string[]): Promise<number> {
  const cmd = argv[0];
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    out(HELP);
    return cmd ? 0 : 2;
  }
  const spec = SPECS[cmd];
  if (!spec) throw new UsageError(`unknown command "${cmd}"`);
  const p = parseArgs(argv.slice(1), { ...COMMON, ...spec });
  if (bool(p, 'help')) {
    out(HELP);
    return 0;
  }
  const ws = str(p, 'workspace') ?? process.cwd();
  const workspace = await resolveWorkspace(ws).catch(() => {
    throw new UsageError(`workspace ${ws} does not exist`);
  });
  const paths = hostPaths(workspace);
  const id = () => {
    const v = p.positional[0];
    if (!v) throw new UsageError(`${cmd} needs a task id`);
    return v;
  };
  switch (cmd) {
    case 'start': {
      const mode = str(p, 'mode');
      if (mode && mode !== 'development' && mode !== 'production')
        throw new UsageError(`--mode must be development or production, got "${mode}"`);
      const watch = bool(p, 'watch');
      if (bool(p, 'foreground')) return runForeground(paths, mode, watch);
      const { conn, started } = await startHost(paths, { ...(mode ? { mode } : {}), watch });
      const s = await conn.request(P.StatusRequest.type, {});
      conn.close();
      if (bool(p, 'json')) json({ started, pid: s.pid, socket: s.socket, config: s.config, watch: s.watch });
      else out(`${started ? 'started' : 'already running'} (pid ${s.pid}, socket ${s.socket})`);
      if (s.watch?.error) process.stderr.write(`${s.watch.error}\n`);
      if (watch && !started && !s.watch)
        process.stderr.write(
          'the running host does not watch: set background.watch: true, or stop it and start --watch\n',
        );
      if (!s.config.valid) {
        for (const i of s.config.issues) process.stderr.write(formatIssue(i, s.config.file) + '\n');
        process.stderr.write('the host is running and applies the file as soon as it is valid\n');
        return 2;
      }
      return 0;
    }
    case 'stop': {
      const conn = await attached(paths);
      const pid = await stopHost(conn, (num(p, 'timeout', 0) ?? 10) * 1000);
      out(`stopped (pid ${pid})`);
      return 0;
    }
    case 'status': {
      const conn = await attached(paths);
      const s = await conn.request(P.StatusRequest.type, {});
      conn.close();
      if (bool(p, 'json')) json(s);
      else out(fmtStatus(s));
      return 0;
    }
    case 'submit':
      return submit(paths, p);
    case 'tasks': {
      const conn = await attached(paths);
      const state = str(p, 'state');
      const agent = str(p, 'agent');
      const limit = num(p, 'limit', 1);
      const r = await conn.request(P.ListTasksRequest.type, {
        ...(state ? { state: state.split(',') as TaskInfo['state'][] } : {}),
        ...(agent ? { agent } : {}),
        ...(limit ? { limit } : {}),
      });
      conn.close();
      if (bool(p, 'json')) json(r.tasks);
      else out(fmtTasks(r.tasks, r.total));
      return 0;
    }
    case 'cancel':
    case 'retry': {
      const conn = await attached(paths);
      const def = cmd === 'cancel' ? P.CancelTaskRequest.type : P.RetryTaskRequest.type;
      const t = await conn.request(def, { id: id() });
      conn.close();
      if (bool(p, 'json')) json(t);
      else out(`${t.id} ${t.state}`);
      return 0;
    }
    case 'restart-agent': {
      const conn = await attached(paths);
      const a = await conn.request(P.RestartAgentRequest.type, { id: id() });
      conn.close();
      if (bool(p, 'json')) json(a);
      else out(`${a.id} ${a.state}`);
      return 0;
    }
    case 'reload': {
      const conn = await attached(paths);
      try {
        const r = await conn.request(P.ReloadConfigRequest.type, {});
        if (bool(p, 'json')) json(r);
        else out(`reloaded${r.changedAgents.length ? ` (changed: ${r.changedAgents.join(', ')})` : ''}`);
        return 0;
      } catch (err) {
        if (err instanceof ResponseError && err.code === P.ErrorCodes.ConfigInvalid) {
          const data = err.data as P.ReloadConfigRequest.Result;
          if (bool(p, 'json')) json(data);
          for (const i of data.issues) process.stderr.write(formatIssue(i, paths.config) + '\n');
          process.stderr.write('the previous configuration stays in force\n');
          return 2;
        }
        throw err;
      } finally {
        conn.close();
      }
    }
    case 'logs':
      return logs(paths, p);
    case 'saved': {
      if (!p.positional.length) throw new UsageError('saved needs the files that were saved');
      // relative to where the editor runs us; the host makes them relative to the workspace
      const files = p.positional.map((f) => resolve(f));
      // the workspace is a real path: a file named through a symlink (/tmp → /private/tmp) is resolved
      const isOut = (f: string) => relative(workspace, f).startsWith('..');
      const real = await Promise.all(files.map((f) => (isOut(f) ? realpath(f).catch(() => f) : f)));
      const outside = files.filter((_, i) => isOut(real[i]!));
      if (outside.length) throw new UsageError(`not in the workspace ${workspace}: ${outside.join(', ')}`);
      const conn = await attached(paths);
      await conn.notify(P.DidSaveNotification.type, { files });
      // a notification has no answer: a request behind it returns once the host has read it
      await conn.request(P.StatusRequest.type, {});
      conn.close();
      return 0;
    }
    case 'baseline': {
      const conn = await attached(paths);
      const agent = str(p, 'agent');
      const r = await conn.request(P.RecordBaselineRequest.type, agent ? { agent } : {});
      conn.close();
      if (bool(p, 'json')) json(r);
      else {
        const per = Object.entries(r.agents)
          .map(([a, n]) => `${a}: ${n}`)
          .join(', ');
        out(`recorded ${r.total} finding(s)${per ? ` (${per})` : ''} in ${r.file}`);
      }
      return 0;
    }
    case 'findings': {
      const conn = await attached(paths);
      const file = str(p, 'file');
      const agent = str(p, 'agent');
      const r = await conn.request(P.ListFindingsRequest.type, {
        ...(file ? { file } : {}),
        ...(agent ? { agent } : {}),
      });
      conn.close();
      if (bool(p, 'json')) json(r.findings);
      else out(r.findings.length ? r.findings.map(fmtFinding).join('\n') : 'no findings');
      return 0;
    }
  }
  throw new UsageError(`unknown command "${cmd}"`);
}

// An await that can never settle (a dropped connection) would let Node exit 0 in silence.
process.on('beforeExit', () => {
  process.stderr.write('agentic-bg: lost the connection to the host before an answer came\n');
  process.exit(1);
});

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`agentic-bg: ${err.message}\nrun "agentic-bg --help" for usage\n`);
      process.exit(2);
    }
    if (err instanceof Exit) {
      process.stderr.write(`agentic-bg: ${err.message}\n`);
      process.exit(err.code);
    }
    if (err instanceof ResponseError) {
      process.stderr.write(`agentic-bg: ${err.message}\n`);
      process.exit(err.code === P.ErrorCodes.InvalidParams || err.code === P.ErrorCodes.NotFound ? 2 : 1);
    }
    process.stderr.write(`agentic-bg: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  },
);

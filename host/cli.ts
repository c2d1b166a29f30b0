// agentic-bg: the host driven from a terminal. A client of the same protocol as the extension.
// Exit codes: 0 ok, 1 failure (with --wait: the task failed), 2 bad usage or invalid config,
// 3 host not running.
import { readFile, realpath } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { ResponseError } from 'vscode-jsonrpc/node';
import type { LogRecord, TaskInfo } from '../common/model';
import * as P from '../common/protocol';
import { bool, Exit, num, parseArgs, str, UsageError, type FlagSpec, type Parsed } from './cli/args';
import { fmtFinding, fmtStatus, fmtTasks } from './cli/format';
import { exitAfterFlush, exitStarted, json, out } from './cli/output';
import { runForeground } from './cli/foreground';
import { fmtLogRecord, fmtLogTail } from './cli/logLines';
import { attached, startHost, stopHost } from './cli/lifecycle';
import { submit } from './cli/submit';
import { formatIssue } from './config/formatIssue';
import { hostPaths, resolveWorkspace, type HostPaths } from '../common/node/paths';
import { unsupportedPlatform } from '../common/node/platform';

const HELP = `agentic-bg — background agents for a workspace

usage: agentic-bg <command> [options] [--workspace DIR]

  start [--foreground] [--mode development|production] [--watch]
                                                         start the workspace's host (or attach);
                                                         --watch: it watches the workspace for saves
  stop [--timeout S]                                     stop it gracefully (running tasks get S seconds)
  status [--json]                                        health, queue and agents
  submit --agent A --task T [--file F]… [--priority high|medium|low] [--key K] [--timeout S]
         [--allow-outside] [--wait] [--json]             queue a task (--wait: until it ends); F is
                                                         relative to the workspace, a directory
                                                         stands for the files below it
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
  doctor [--json] [--agents] [--self-test]               what this machine gives the host and how to fix
                                                         what is missing; --self-test proves the limits here

exit codes: 0 ok · 1 failure · 2 bad usage or invalid config · 3 host not running
`;

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
    'allow-outside': 'boolean',
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
  doctor: { json: 'boolean', agents: 'boolean', 'self-test': 'boolean' },
};

async function logs(paths: HostPaths, p: Parsed): Promise<number> {
  const n = num(p, 'lines', 1) ?? 50;
  const show = (r: LogRecord) => out(fmtLogRecord(r));
  if (!bool(p, 'follow')) {
    const text = await readFile(`${paths.logsDir}/host.log`, 'utf8').catch(() => '');
    for (const line of fmtLogTail(text, n)) out(line);
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
  const unsupported = unsupportedPlatform();
  if (unsupported) throw new Exit(2, unsupported);
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
    case 'doctor': {
      // dist/doctor.js (esbuild.config.mjs): the config validator it needs stays out of the CLI
      const { runDoctor } = require('./doctor/main') as typeof import('./doctor/main');
      return runDoctor({
        paths,
        json: bool(p, 'json'),
        agents: bool(p, 'agents'),
        selfTest: bool(p, 'self-test'),
        write: out,
      });
    }
    case 'start': {
      const mode = str(p, 'mode');
      if (mode && mode !== 'development' && mode !== 'production')
        throw new UsageError(`--mode must be development or production, got "${mode}"`);
      const watch = bool(p, 'watch');
      if (bool(p, 'foreground')) return runForeground(paths, mode, watch);
      const say = (m: string) => process.stderr.write(`agentic-bg: ${m}\n`);
      const { conn, started } = await startHost(paths, { say, ...(mode ? { mode } : {}), watch });
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
  if (exitStarted()) return;
  process.stderr.write('agentic-bg: lost the connection to the host before an answer came\n');
  exitAfterFlush(1);
});

run(process.argv.slice(2)).then(exitAfterFlush, (err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`agentic-bg: ${err.message}\nrun "agentic-bg --help" for usage\n`);
    return exitAfterFlush(2);
  }
  if (err instanceof Exit) {
    process.stderr.write(`agentic-bg: ${err.message}\n`);
    return exitAfterFlush(err.code);
  }
  if (err instanceof ResponseError) {
    process.stderr.write(`agentic-bg: ${err.message}\n`);
    return exitAfterFlush(err.code === P.ErrorCodes.InvalidParams || err.code === P.ErrorCodes.NotFound ? 2 : 1);
  }
  process.stderr.write(`agentic-bg: ${(err as Error)?.message ?? String(err)}\n`);
  exitAfterFlush(1);
});

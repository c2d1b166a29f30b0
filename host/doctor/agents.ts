// The per-workspace checks of `agentic-bg doctor`: the config file, each agent's command on PATH,
// its approval state on a running host, and (with --agents) whether a dry run's output parses in
// the agent's declared `output` format; plus the running host's health and watchdog.
import { spawn } from 'node:child_process';
import type { AgentConfig } from '../../common/configSchema';
import type { DoctorCheck } from '../../common/doctor';
import type { HostStatus } from '../../common/model';
import type { HostPaths } from '../../common/node/paths';
import { loadConfigCached } from '../config/cache';
import { formatIssue } from '../config/formatIssue';
import { parseOutput } from '../findings/parseOutput';
import { which } from './machine';

export async function checkConfig(paths: HostPaths): Promise<{ checks: DoctorCheck[]; agents: AgentConfig[] }> {
  // through cache.ts: the validator (zod, yaml) is dist/config-validator.js, shared with the host
  const r = await loadConfigCached(paths.config, undefined);
  if (!r.ok)
    return {
      agents: [],
      checks: [
        {
          id: 'config',
          title: 'config',
          status: 'fail',
          found: `${paths.config}: ${r.issues.length} issue(s)`,
          meaning: r.issues.map((i) => formatIssue(i, paths.config)).join('\n    '),
          fix: 'correct the file (agentic-bg reload shows the same issues)',
        },
      ],
    };
  const agents = Object.values(r.config.agents).filter((a) => a.enabled);
  return {
    agents,
    checks: [
      {
        id: 'config',
        title: 'config',
        status: 'ok',
        found: r.exists
          ? `${paths.config} valid: ${agents.length} agent(s), ${r.config.triggers.length} trigger(s)`
          : 'no agentic_config.yaml: the built-in default (security audit saa on save)',
      },
    ],
  };
}

/** argv[0] of a command agent with the substitutions that can be known without a task. */
function program(a: AgentConfig, workspace: string): string | undefined {
  const p = a.command?.[0];
  return p?.replaceAll('${workspace}', workspace);
}

export async function checkAgentCommands(agents: AgentConfig[], paths: HostPaths, env: NodeJS.ProcessEnv) {
  const out: DoctorCheck[] = [];
  for (const a of agents) {
    const id = `agent:${a.id}:command`;
    const title = `agent ${a.id}`;
    if (a.kind === 'builtin') {
      out.push({ id, title, status: 'ok', found: `built-in ${a.builtin}` });
      continue;
    }
    const prog = program(a, paths.workspace);
    if (!prog) continue;
    if (prog.includes('${')) {
      out.push({ id, title, status: 'skip', found: `${prog}: resolved per task` });
      continue;
    }
    const path = await which(prog, { ...env, ...a.env }, paths.workspace);
    out.push(
      path
        ? { id, title, status: 'ok', found: `${a.command!.join(' ')} (${path})` }
        : {
            id,
            title,
            status: 'fail',
            found: `${prog} not found ${prog.includes('/') ? `(relative to ${paths.workspace})` : 'on PATH'}`,
            meaning: `every task of ${a.id} fails to start and the agent is quarantined after repeated failures`,
            fix: prog.includes('/')
              ? `check background.agents.${a.id}.command in agentic_config.yaml`
              : `install ${prog}, or put its full path in background.agents.${a.id}.command`,
          },
    );
  }
  return out;
}

export function checkHost(status: HostStatus | undefined): DoctorCheck[] {
  if (!status)
    return [{ id: 'host', title: 'host', status: 'skip', found: 'not running (agentic-bg start starts one)' }];
  const reasons = status.healthReasons.join('; ');
  const out: DoctorCheck[] = [
    status.health === 'ok'
      ? {
          id: 'host',
          title: 'host',
          status: 'ok',
          found: `pid ${status.pid}, healthy, up ${Math.round(status.uptimeMs / 1000)} s`,
        }
      : {
          id: 'host',
          title: 'host',
          status: status.health === 'error' ? 'fail' : 'warn',
          found: `pid ${status.pid}, ${status.health}: ${reasons}`,
          meaning: 'see agentic-bg status and agentic-bg logs for the details',
          fix: 'agentic-bg status',
        },
  ];
  const watchdogDown = status.healthReasons.find((r) => /watchdog/i.test(r));
  out.push(
    watchdogDown
      ? {
          id: 'watchdog',
          title: 'watchdog',
          status: 'warn',
          found: watchdogDown,
          meaning: 'if the host is killed now, its agents may outlive it',
        }
      : { id: 'watchdog', title: 'watchdog', status: 'ok', found: 'running (agents die with the host)' },
  );
  for (const a of status.agents) {
    if (a.approved === false)
      out.push({
        id: `agent:${a.id}:approval`,
        title: `agent ${a.id}`,
        status: 'warn',
        found: 'awaiting approval: its tasks wait',
        fix: 'VS Code: Agentic Background: Review Agent Approvals',
      });
  }
  return out;
}

/** Runs a command agent once on no files and checks its stdout parses in its `output` format. */
export async function dryRun(a: AgentConfig, paths: HostPaths, env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  const id = `agent:${a.id}:output`;
  const title = `agent ${a.id} dry run`;
  if (a.output.kind === 'sarif' && a.output.file)
    return { id, title, status: 'skip', found: 'writes its SARIF to a file: not run by doctor' };
  if (a.kind !== 'command' || !a.command || a.persistent || a.effects === 'write')
    return {
      id,
      title,
      status: 'skip',
      found: a.effects === 'write' ? 'write agent: not run by doctor' : 'not a one-shot command agent',
    };
  const argv = a.command.flatMap((x) => (x === '${files}' ? [] : [x.replaceAll('${workspace}', paths.workspace)]));
  if (argv.some((x) => x.includes('${'))) return { id, title, status: 'skip', found: 'its argv needs a task' };
  const res = await new Promise<{ code: number | null; stdout: string; error?: string }>((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: paths.workspace,
      env: { ...env, ...a.env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString('utf8')).slice(-1_000_000)));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, error: err.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
  if (res.error) return { id, title, status: 'fail', found: `could not run: ${res.error}` };
  const parsed = parseOutput(a.output, res.stdout, { workspace: paths.workspace, agent: a.id, taskId: 'doctor' });
  if (parsed.error)
    return {
      id,
      title,
      status: 'fail',
      found: `exit ${res.code}; its output does not parse as ${JSON.stringify(a.output)}: ${parsed.error}`,
      fix: `set background.agents.${a.id}.output to the format it prints`,
    };
  return {
    id,
    title,
    status: 'ok',
    found: `exit ${res.code}; output parses as ${JSON.stringify(a.output)} (${parsed.findings.length} finding(s))`,
  };
}

// `agentic-bg doctor [--json] [--agents] [--self-test]`: what this machine gives the host, what is
// missing and how to fix it; with --self-test, proof of the host's guarantees on this machine.
// Bundled as dist/doctor.js and required by the CLI only for this command, so the CLI itself stays
// small (the config validator it needs weighs ~1 MB).
import * as P from '../../common/protocol';
import {
  doctorExitCode,
  formatDoctor,
  formatSelfTestLine,
  formatSelfTestSummary,
  type DoctorCheck,
  type DoctorReport,
} from '../../common/doctor';
import type { HostStatus } from '../../common/model';
import type { HostPaths } from '../../common/node/paths';
import { tryConnect } from '../cli/lifecycle';
import { checkAgentCommands, checkConfig, checkHost, dryRun } from './agents';
import {
  checkEnforcement,
  checkGit,
  checkJournal,
  checkRuntime,
  checkRuntimeDir,
  checkSandbox,
  checkWatcher,
} from './machine';
import { runSelfTest } from './selfTest';

/** package.json's version, put in by esbuild.config.mjs (`define`) */
declare const __AGENTIC_VERSION__: string | undefined;
const VERSION = typeof __AGENTIC_VERSION__ === 'string' ? __AGENTIC_VERSION__ : 'unbundled';

export interface DoctorOptions {
  paths: HostPaths;
  json: boolean;
  agents: boolean;
  selfTest: boolean;
  write: (s: string) => void;
}

async function hostStatus(paths: HostPaths): Promise<HostStatus | undefined> {
  const conn = await tryConnect(paths).catch(() => undefined);
  if (!conn) return undefined;
  try {
    return await conn.request(P.StatusRequest.type, {});
  } finally {
    conn.close();
  }
}

export async function doctorReport(paths: HostPaths, withAgents: boolean): Promise<DoctorReport> {
  const t0 = Date.now();
  const env = process.env;
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const m = { env, uid };
  const [status, runtimeDir, enforcement, sandbox, git, config] = await Promise.all([
    hostStatus(paths),
    checkRuntimeDir(paths, uid),
    checkEnforcement(m),
    checkSandbox(m),
    checkGit(m, paths.workspace),
    checkConfig(paths),
  ]);
  const journal = await checkJournal(paths, status !== undefined);
  const commands = await checkAgentCommands(config.agents, paths, env);
  const dry: DoctorCheck[] = withAgents ? await Promise.all(config.agents.map((a) => dryRun(a, paths, env))) : [];
  const checks: DoctorCheck[] = [
    checkRuntime(),
    runtimeDir,
    ...journal,
    enforcement,
    sandbox,
    checkWatcher(),
    git,
    ...config.checks,
    ...commands,
    ...dry,
    ...checkHost(status),
  ];
  return {
    workspace: paths.workspace,
    version: VERSION,
    platform: `${process.platform}-${process.arch}`,
    checks,
    ms: Date.now() - t0,
  };
}

/** Runs the command; returns its exit code (0 nothing ✗, 1 otherwise). */
export async function runDoctor(o: DoctorOptions): Promise<number> {
  if (o.selfTest) {
    if (!o.json) o.write('agentic-bg doctor --self-test: a scratch host proves the limits on this machine\n');
    const r = await runSelfTest({
      hostJs: `${__dirname}/host.js`,
      onResult: o.json ? () => undefined : (t) => o.write(formatSelfTestLine(t)),
    });
    o.write(o.json ? JSON.stringify(r, null, 2) : formatSelfTestSummary(r));
    return doctorExitCode(r.results);
  }
  const r = await doctorReport(o.paths, o.agents);
  o.write(o.json ? JSON.stringify(r, null, 2) + '\n' : formatDoctor(r));
  return doctorExitCode(r.checks);
}

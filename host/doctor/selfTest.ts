// `agentic-bg doctor --self-test`: proves the host's guarantees on this machine, in a scratch
// workspace of its own (never the user's) with its own runtime dir, so no host of the user is
// touched. Each check drives a real host and real agent processes and reports the figure it
// measured; everything made is removed at the end, whatever happened.
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SelfTestReport, SelfTestResult } from '../../common/doctor';
import { HOST_NODE_FLAGS } from '../../common/hostProcess';
import type { TaskInfo } from '../../common/model';
import { connectHost, type HostConnection } from '../../common/node/connect';
import { hostPaths, type HostPaths } from '../../common/node/paths';
import * as P from '../../common/protocol';
import { pidAlive } from '../daemon/lock';
import { detectSandbox } from '../sandbox/detect';
import { createServer } from 'node:http';
import { AGENT_SCRIPTS, selfTestConfig } from './selfTestAgents';

export interface SelfTestOptions {
  hostJs: string;
  onResult: (r: SelfTestResult) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value, or throws after `ms` saying what it waited for. */
async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`gave up after ${ms / 1000} s waiting for ${what}`);
    await sleep(25);
  }
}

class Scratch {
  readonly env: NodeJS.ProcessEnv;
  readonly paths: HostPaths;
  host: number | undefined;
  conn: HostConnection | undefined;
  constructor(readonly dir: string) {
    this.env = { ...process.env, XDG_RUNTIME_DIR: join(dir, 'rt') };
    this.paths = hostPaths(join(dir, 'ws'), this.env);
  }

  async start(hostJs: string): Promise<HostConnection> {
    const child = spawn(
      process.execPath,
      [...HOST_NODE_FLAGS, hostJs, '--workspace', this.paths.workspace, '--launched-by', 'cli'],
      { detached: true, stdio: 'ignore', env: this.env, cwd: this.paths.workspace },
    );
    child.unref();
    this.host = child.pid;
    this.conn = await waitFor('the scratch host to answer', 15_000, () =>
      connectHost(this.paths, 'doctor').catch(() => undefined),
    );
    return this.conn;
  }

  killHost(): void {
    this.conn?.close();
    this.conn = undefined;
    if (this.host) process.kill(this.host, 'SIGKILL');
  }

  submit(agent: string, params?: Record<string, unknown>): Promise<P.SubmitRequest.Result> {
    return this.conn!.request(P.SubmitRequest.type, {
      agent,
      task: 'self-test',
      source: 'cli',
      ...(params ? { params } : {}),
    });
  }

  wait(id: string): Promise<TaskInfo> {
    return this.conn!.request(P.WaitTaskRequest.type, { id });
  }

  /** pids an agent wrote to its pid file (one per line) */
  async pids(name: string): Promise<number[]> {
    const t = await readFile(join(this.paths.workspace, `${name}.pids`), 'utf8').catch(() => '');
    return t.split('\n').filter(Boolean).map(Number);
  }

  async stop(): Promise<void> {
    if (this.conn) {
      const pid = this.conn.hello.pid;
      await this.conn
        .request(P.ShutdownRequest.type, { drainTimeoutMs: 0, reason: 'self-test done' })
        .catch(() => undefined);
      this.conn.close();
      this.conn = undefined;
      await waitFor('the scratch host to exit', 15_000, () => (pidAlive(pid) ? undefined : true)).catch(() =>
        process.kill(pid, 'SIGKILL'),
      );
    }
  }
}

type Check = (s: Scratch, o: SelfTestOptions) => Promise<{ ok: boolean; found: string }>;

const CHECKS: Array<{ id: string; title: string; run: Check }> = [
  {
    id: 'kill-9',
    title: 'a task survives a kill -9 of the host',
    run: async (s, o) => {
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await s.submit('record', { n: i })).taskId);
      s.killHost();
      const t0 = Date.now();
      await s.start(o.hostJs);
      const restartMs = Date.now() - t0;
      const done = await Promise.all(ids.map((id) => s.wait(id)));
      const ok = done.filter((t) => t.state === 'succeeded').length;
      return {
        ok: ok === ids.length,
        found: `${ok} of ${ids.length} accepted tasks succeeded after the host was killed (restart ${restartMs} ms)`,
      };
    },
  },
  {
    id: 'timeout',
    title: 'a hung agent is killed at its timeout with its children',
    run: async (s) => {
      const t0 = Date.now();
      const t = await s.wait((await s.submit('hang')).taskId);
      const ms = Date.now() - t0;
      const pids = await s.pids('hang');
      const alive = await waitFor('the hung agent tree to go', 5000, () => (pids.some(pidAlive) ? undefined : 0)).catch(
        () => pids.filter(pidAlive).length,
      );
      return {
        ok: t.reason === 'timeout' && pids.length >= 2 && alive === 0,
        found: `${t.state} (${t.reason ?? 'no reason'}) after ${(ms / 1000).toFixed(1)} s (a 1 s timeout, then SIGTERM, which it ignores, and SIGKILL after the grace); ${pids.length - alive} of ${pids.length} processes gone`,
      };
    },
  },
  {
    id: 'memory',
    title: 'the memory limit kills',
    run: async (s) => {
      const t = await s.wait((await s.submit('hog')).taskId);
      return {
        ok: t.reason === 'memory_limit',
        found: `${t.state} (${t.reason ?? 'no reason'}): ${t.detail ?? 'no detail'}`,
      };
    },
  },
  {
    id: 'cpu',
    title: 'the CPU limit holds within a few points',
    run: async (s) => {
      const t = await s.wait((await s.submit('spin')).taskId);
      const m = /cpu=([\d.]+)/.exec(await readFile(join(s.paths.workspace, 'spin.out'), 'utf8').catch(() => ''));
      const pct = m ? Number(m[1]) : NaN;
      const err = Math.abs(pct - 25);
      return {
        ok: t.state === 'succeeded' && err <= 5,
        found: `${Number.isNaN(pct) ? 'no figure' : `${pct.toFixed(1)} % of a core`} with max_cpu_percent 25 (error ${err.toFixed(1)} points)`,
      };
    },
  },
  {
    id: 'no-orphans',
    title: 'no agent outlives the host',
    run: async (s, o) => {
      await s.submit('linger');
      const pids = await waitFor('the agent to start', 10_000, async () => {
        const p = await s.pids('linger');
        return p.length ? p : undefined;
      });
      s.killHost();
      const t0 = Date.now();
      const gone = await waitFor('the agent to die with the host', 10_000, () =>
        pids.some(pidAlive) ? undefined : true,
      ).catch(() => false);
      const ms = Date.now() - t0;
      await s.start(o.hostJs);
      return {
        ok: gone,
        found: gone
          ? `the agent was gone ${ms} ms after the host's kill -9`
          : `pid ${pids.join(', ')} still alive after 10 s`,
      };
    },
  },
];

/** Runs the `escape` agent (sandbox: {}) where a sandbox is available; skipped where none is. */
async function sandboxCheck(s: Scratch): Promise<Pick<SelfTestResult, 'status' | 'found'>> {
  const tier = await detectSandbox(s.env);
  if (tier.kind === 'none') return { status: 'skip', found: `not checked: ${tier.reason}` };
  // the workspace: readable, not writable (a path under /tmp would land in the sandbox's own tmpfs)
  const target = join(s.paths.workspace, 'escaped.txt');
  const server = createServer((_q, r) => r.end('reached'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as { port: number }).port;
    const t = await s.wait((await s.submit('escape', { target, port })).taskId);
    const lines = t.outputTail ?? [];
    const wrote = await readFile(target, 'utf8').then(
      () => true,
      () => false,
    );
    const ok =
      t.state === 'succeeded' && !wrote && lines.includes('write: denied') && lines.includes('network: denied');
    return {
      status: ok ? 'ok' : 'fail',
      found: `${lines.join(', ') || t.detail || t.state} (bubblewrap ${tier.version})`,
    };
  } finally {
    server.close();
  }
}

export async function runSelfTest(o: SelfTestOptions): Promise<SelfTestReport> {
  const t0 = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'agbg-doctor-'));
  const s = new Scratch(dir);
  const results: SelfTestResult[] = [];
  try {
    await mkdir(s.paths.workspace);
    await mkdir(join(dir, 'rt'), { mode: 0o700 });
    for (const [name, text] of Object.entries(AGENT_SCRIPTS)) await writeFile(join(s.paths.workspace, name), text);
    await writeFile(s.paths.config, selfTestConfig(process.execPath));
    await s.start(o.hostJs);
    for (const c of CHECKS) {
      const c0 = Date.now();
      let r: { ok: boolean; found: string };
      try {
        r = await c.run(s, o);
      } catch (err) {
        r = { ok: false, found: err instanceof Error ? err.message : String(err) };
      }
      const res: SelfTestResult = {
        id: c.id,
        title: c.title,
        status: r.ok ? 'ok' : 'fail',
        found: r.found,
        ms: Date.now() - c0,
      };
      results.push(res);
      o.onResult(res);
    }
    const c0 = Date.now();
    const sandbox: SelfTestResult = {
      id: 'sandbox',
      title: 'a sandboxed agent cannot write outside its area or reach the network',
      ...(await sandboxCheck(s)),
      ms: 0,
    };
    sandbox.ms = Date.now() - c0;
    results.push(sandbox);
    o.onResult(sandbox);
  } finally {
    await s.stop().catch(() => undefined);
    if (s.host && pidAlive(s.host)) process.kill(s.host, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
  return { scratch: dir, results, ms: Date.now() - t0 };
}

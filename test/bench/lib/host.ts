// A real host (dist/host.js) in a temp workspace, driven over its socket exactly like the
// extension drives it: submit over JSON-RPC, learn about completions from tasks/didChange.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { connectHost, type HostConnection } from '../../../common/node/connect';
import { hostPaths, type HostPaths } from '../../../common/node/paths';
import { HOST_NODE_FLAGS } from '../../../common/hostProcess';
import { isFinal } from '../../../common/model';
import * as P from '../../../common/protocol';
import { onCleanup } from './cleanup';
import { epochMs } from './stats';

export const ROOT = join(__dirname, '..', '..', '..');
let dist = join(ROOT, 'dist');
/** dist/ of this run: see snapshotDist */
export const distFile = (name: string): string => join(dist, name);

/**
 * Copies dist/*.js to a temp dir and runs every host of the run from there: in a tree where
 * others rebuild dist/ while the bench runs, each group would otherwise measure whichever build
 * was there at that moment (and every rebuild changes the host's build id, see config/cache.ts).
 */
export function snapshotDist(): string {
  const from = join(ROOT, 'dist');
  if (!existsSync(join(from, 'host.js')))
    throw new Error(`${from}/host.js is missing: run npm run build first (npm run bench does)`);
  const to = mkdtempSync(join(tmpdir(), 'agbg-bench-dist-'));
  for (const f of readdirSync(from)) if (f.endsWith('.js')) copyFileSync(join(from, f), join(to, f));
  onCleanup(() => rmSync(to, { recursive: true, force: true }));
  dist = to;
  return to;
}
export const BENCH_AGENTS = join(ROOT, 'test', 'bench', 'agents');

export interface Final {
  at: number; // finishedAt, epoch ms (NaN: removed from history before we saw it finish)
  state: string;
  detail?: string;
}

export function makeWorkspace(configYaml: string): string {
  const ws = mkdtempSync(join(tmpdir(), 'agbg-bench-'));
  writeFileSync(join(ws, 'agentic_config.yaml'), configYaml);
  return ws;
}

/** Resolves (with epoch ms) once `file` exists: inotify on its directory, plus a slow poll as a safety net. */
export function waitForFile(file: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      w?.close();
      clearInterval(poll);
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(epochMs());
    };
    const check = (): void => {
      if (existsSync(file)) finish();
    };
    let w: ReturnType<typeof watch> | undefined;
    try {
      w = watch(dirname(file), (_e, name) => {
        if (!name || name === basename(file)) check();
      });
    } catch {
      // the directory does not exist yet: the poll covers it
    }
    const poll = setInterval(check, 50);
    const timer = setTimeout(() => finish(new Error(`${file} did not appear within ${timeoutMs} ms`)), timeoutMs);
    check();
  });
}

export class BenchHost {
  readonly finals = new Map<string, Final>();
  private readonly waiters = new Set<() => void>();
  private exited: Promise<void>;

  private constructor(
    readonly ws: string,
    readonly paths: HostPaths,
    readonly child: ChildProcess,
    readonly conn: HostConnection,
    /** spawn → hello answered, ms */
    readonly startMs: number,
    private readonly forget: () => void,
  ) {
    this.exited = new Promise((r) =>
      child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r()),
    );
    conn.onNotification(P.TasksNotification.type, (p) => {
      for (const t of p.changed) {
        if (isFinal(t.state))
          this.finals.set(t.id, {
            at: Date.parse(t.finishedAt ?? ''),
            state: t.state,
            ...(t.detail ? { detail: t.detail } : {}),
          });
      }
      for (const id of p.removed) if (!this.finals.has(id)) this.finals.set(id, { at: NaN, state: 'removed' });
      for (const w of [...this.waiters]) w();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Starts a host for a new workspace with this config and connects to it. */
  static async start(configYaml: string, opts: { timeoutMs?: number; nodeArgs?: string[] } = {}): Promise<BenchHost> {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const ws = makeWorkspace(configYaml);
    const paths = hostPaths(ws);
    const t0 = epochMs();
    // AGBG_BENCH_HOST_ARGS: extra node flags for every host of the run, to try e.g. V8 options
    const extra = process.env.AGBG_BENCH_HOST_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(
      process.execPath,
      [
        ...HOST_NODE_FLAGS,
        ...extra,
        ...(opts.nodeArgs ?? []),
        distFile('host.js'),
        '--workspace',
        ws,
        '--launched-by',
        'cli',
      ],
      { stdio: 'ignore' },
    );
    const removeCleanup = onCleanup(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(ws, { recursive: true, force: true });
    });
    try {
      // the socket file appears at listen() (main.ts writes token and info before): from then on
      // hello is answered
      await Promise.race([
        waitForFile(paths.socket, timeoutMs),
        new Promise((_r, rej) =>
          child.once('exit', (code) => rej(new Error(`host exited with code ${code} before it was ready`))),
        ),
      ]);
      const conn = await connectHost(paths, 'bench', timeoutMs);
      return new BenchHost(ws, paths, child, conn, epochMs() - t0, removeCleanup);
    } catch (err) {
      child.kill('SIGKILL');
      rmSync(ws, { recursive: true, force: true });
      removeCleanup();
      throw err;
    }
  }

  request<Par, R>(def: P.RequestDef<Par, R>, params: Par): Promise<R> {
    return this.conn.request(def, params);
  }

  /** Submits in one request (one group commit); returns the task ids. Throws on any refused item. */
  async submitBatch(items: P.SubmitItem[]): Promise<string[]> {
    const r = await this.request(P.SubmitBatchRequest.type, { items });
    return r.results.map((x) => {
      if ('error' in x) throw new Error(`submit refused: ${x.error}`);
      return x.taskId;
    });
  }

  /** Resolves with the latest finishedAt of these tasks once all are final; throws if any failed. */
  waitDone(ids: string[], timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        let end = 0;
        for (const id of ids) {
          const f = this.finals.get(id);
          if (!f) return;
          if (f.state === 'failed' || f.state === 'cancelled') {
            stop();
            reject(new Error(`task ${id} ${f.state}: ${f.detail ?? '?'}`));
            return;
          }
          if (f.at > end) end = f.at;
        }
        stop();
        resolve(end);
      };
      const timer = setTimeout(() => {
        stop();
        const left = ids.filter((id) => !this.finals.has(id)).length;
        reject(new Error(`${left} of ${ids.length} tasks not finished after ${timeoutMs} ms`));
      }, timeoutMs);
      const stop = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Graceful stop (running tasks are killed at once); SIGKILL if it does not go within 20 s. */
  async stop(): Promise<void> {
    await this.request(P.ShutdownRequest.type, { drainTimeoutMs: 0, reason: 'bench' }).catch(() => undefined);
    const t = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(t);
    this.conn.close();
    rmSync(this.ws, { recursive: true, force: true });
    this.forget();
  }
}

/** YAML for a host whose agents are given as {id: {command, concurrency, ...}}. */
export function configYaml(
  maxConcurrent: number,
  agents: Record<string, Record<string, unknown>>,
  extra: Record<string, unknown> = {},
): string {
  // JSON is valid YAML, and it spares the bench a YAML writer
  return (
    JSON.stringify(
      { background: { max_concurrent_agents: maxConcurrent, retry_attempts: 0, ...extra, agents } },
      null,
      1,
    ) + '\n'
  );
}

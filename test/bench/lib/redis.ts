// BullMQ on a private redis-server: loopback only, a temp dir, AOF on (everysec or always), no RDB
// snapshots; stopped by its pid. The baseline for the queue figures: what a Node developer would
// reach for to get a durable job queue.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './cleanup';
import { epochMs } from './stats';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

/** Why BullMQ figures cannot be measured here, or undefined when they can. */
export async function bullmqUnavailable(): Promise<string | undefined> {
  if (!existsSync(REDIS_SERVER))
    return `redis-server not found at ${REDIS_SERVER} (set REDIS_SERVER, or apt-get install redis-server)`;
  try {
    await import('bullmq');
  } catch (err) {
    return `bullmq cannot be loaded: ${(err as Error).message}`;
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class Redis {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly forget: () => void,
  ) {}

  static async start(fsync: 'everysec' | 'always'): Promise<Redis> {
    const dir = mkdtempSync(join(tmpdir(), 'agbg-redis-'));
    const port = await freePort();
    const child = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        fsync,
        '--save',
        '',
        '--daemonize',
        'no',
        '--protected-mode',
        'yes',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const forget = onCleanup(() => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const r = new Redis(port, child, dir, forget);
    try {
      await r.waitReady(15_000, () => out);
    } catch (err) {
      await r.stop();
      throw err;
    }
    return r;
  }

  /** ready = answers PING on its port */
  private async waitReady(timeoutMs: number, output: () => string): Promise<void> {
    const { connect } = await import('node:net');
    const end = epochMs() + timeoutMs;
    while (epochMs() < end) {
      if (this.child.exitCode !== null)
        throw new Error(`redis-server exited ${this.child.exitCode}: ${output().trim().slice(-500)}`);
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect(this.port, '127.0.0.1');
        s.once('connect', () => s.write('PING\r\n'));
        s.once('data', (d) => {
          s.destroy();
          resolve(String(d).startsWith('+PONG'));
        });
        s.once('error', () => resolve(false));
      });
      if (ok) return;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`redis-server did not answer on port ${this.port} within ${timeoutMs} ms`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(this.dir, { recursive: true, force: true });
    this.forget();
  }
}

let queueSeq = 0;

/**
 * No-op jobs/s through BullMQ: `producers` concurrent loops of `await queue.add()` (or, with
 * producers 'bulk', one addBulk — the analogue of tasks/submitBatch), one Worker at `concurrency`,
 * timed from the first add to the n-th 'completed'. Completed jobs are trimmed to the last 1000,
 * like the host's history_limit.
 */
export async function bullmqRate(
  port: number,
  n: number,
  producers: number | 'bulk',
  concurrency: number,
): Promise<number> {
  const { Queue, Worker } = await import('bullmq');
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const name = `bench${++queueSeq}`;
  const queue = new Queue(name, { connection });
  let completed = 0;
  let onAll!: () => void;
  const all = new Promise<void>((r) => (onAll = r));
  const worker = new Worker(name, async () => undefined, { connection, concurrency, autorun: false });
  worker.on('completed', () => {
    if (++completed === n) onAll();
  });
  try {
    await queue.waitUntilReady();
    await worker.waitUntilReady();
    void worker.run();
    const opts = { removeOnComplete: 1000, removeOnFail: 1000 };
    let next = 0;
    const t0 = epochMs();
    const producer = async () => {
      while (next < n) {
        next++;
        await queue.add('noop', { i: next }, opts);
      }
    };
    if (producers === 'bulk')
      await queue.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'noop', data: { i }, opts })));
    else await Promise.all(Array.from({ length: producers }, producer));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      all,
      new Promise(
        (_r, rej) =>
          (timer = setTimeout(
            () => rej(new Error(`BullMQ: ${completed} of ${n} jobs completed after 120 s`)),
            120_000,
          )),
      ),
    ]);
    clearTimeout(timer);
    return n / ((epochMs() - t0) / 1000);
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

// The bench side of helpers/rawSpawn.mjs: one long-lived baseline process per figure group, so
// every baseline sample runs in a warm process, like the host's dispatches do.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { onCleanup } from './cleanup';

const SCRIPT = join(__dirname, '..', 'helpers', 'rawSpawn.mjs');

export class RawSpawner {
  private readonly lines: Interface;
  private readonly pending: Array<(line: string) => void> = [];
  private readonly forget: () => void;

  constructor(
    private readonly child: ChildProcess = spawn(process.execPath, [SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] }),
  ) {
    this.forget = onCleanup(() => child.kill('SIGKILL'));
    this.lines = createInterface({ input: child.stdout! });
    this.lines.on('line', (l) => this.pending.shift()?.(l));
  }

  get pid(): number {
    return this.child.pid!;
  }

  private call<T>(msg: Record<string, unknown>, timeoutMs = 300_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`raw spawn baseline: no answer to ${String(msg.op)} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.pending.push((line) => {
        clearTimeout(timer);
        const r = JSON.parse(line) as { ok: boolean; error?: string } & T;
        if (r.ok) resolve(r);
        else reject(new Error(`raw spawn baseline: ${r.error}`));
      });
      this.child.stdin!.write(JSON.stringify(msg) + '\n');
    });
  }

  /** tasks/s of n runs of argv, c at a time, each reniced to `nice` right after spawn */
  async throughput(argv: string[], n: number, c: number, nice = 0): Promise<number> {
    return (await this.call<{ rate: number }>({ op: 'throughput', argv, n, c, nice })).rate;
  }

  /** ms from spawn() to the agent's own start stamp (reniced to `nice` right after spawn) */
  async latency(argv: string[], stamp: string, nice = 0): Promise<number> {
    return (await this.call<{ ms: number }>({ op: 'latency', argv, stamp, nice })).ms;
  }

  /** ms from here to the baseline process reading a message: one hop to an idle process */
  async hop(): Promise<number> {
    const t0 = performance.timeOrigin + performance.now();
    return (await this.call<{ at: number }>({ op: 'ping' })).at - t0;
  }

  stop(): void {
    this.child.stdin!.end(JSON.stringify({ op: 'exit' }) + '\n');
    this.lines.close();
    this.forget();
  }
}

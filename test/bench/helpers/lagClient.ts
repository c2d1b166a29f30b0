// The extension's situation, as a process of its own: its event-loop delay p99
// (perf_hooks.monitorEventLoopDelay) while 8 agents that print run continuously, either
//   host:   connected to the host over its socket, keeping 8 agents busy with tasks/submitBatch and
//           receiving tasks/didChange, host/didChangeStatus … — the design;
//   inproc: spawning and reading the same 8 agents itself — what the host spares the extension —
//           reniced like the host's (nice 10), so the only difference is who spawns and reads;
//   idle:   doing nothing but measure, beside a `host` client: the lag any process on the
//           machine sees at that load, which no design of the host can take away.
// Usage: node --import tsx lagClient.ts '{"mode":"host"|"inproc", ...Options}'; prints one JSON line.
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { connectHost } from '../../../common/node/connect';
import { hostPaths } from '../../../common/node/paths';
import { isFinal } from '../../../common/model';
import * as P from '../../../common/protocol';
import { busyFraction, cpuTotals } from '../lib/proc';
import { sleep } from '../../support/wait';

interface Options {
  mode: 'host' | 'inproc' | 'idle';
  workspace: string; // host mode
  agent: string; // host mode: the agent id
  argv: string[]; // inproc mode: the same command the agent runs
  concurrency: number;
  /** inproc mode: renice each agent like the host does (its default, nice 10) */
  nice: number;
  warmupMs: number;
  windowMs: number;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as Options;

async function measure(): Promise<{ p50: number; p99: number; max: number; busy: number }> {
  await sleep(opts.warmupMs);
  const h = monitorEventLoopDelay({ resolution: 1 });
  const c0 = cpuTotals();
  h.enable();
  await sleep(opts.windowMs);
  h.disable();
  const busy = busyFraction(c0, cpuTotals());
  return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6, busy };
}

async function viaHost(): Promise<Record<string, number>> {
  const conn = await connectHost(hostPaths(opts.workspace), 'bench-lag');
  // keep the queue 4× the concurrency deep: the host never idles between the (coalesced, ≤ 10/s)
  // notifications that tell this client to top it up
  const depth = opts.concurrency * 4;
  let outstanding = 0;
  let submitting = false;
  let stopped = false;
  let done = 0;
  let seq = 0;
  const mine = new Set<string>();
  const topUp = async (): Promise<void> => {
    if (submitting || stopped || outstanding >= depth) return;
    submitting = true;
    const n = depth - outstanding;
    outstanding += n;
    const items = Array.from({ length: n }, () => ({
      agent: opts.agent,
      task: 'lag',
      key: `lag-${process.pid}-${++seq}`,
    }));
    const r = await conn.request(P.SubmitBatchRequest.type, { items });
    for (const x of r.results) if ('taskId' in x) mine.add(x.taskId);
    submitting = false;
  };
  const finals = new Set<string>();
  conn.onNotification(P.TasksNotification.type, (p) => {
    for (const t of p.changed) {
      if (!isFinal(t.state) || finals.has(t.id)) continue;
      finals.add(t.id);
      outstanding--;
      done++;
    }
    void topUp();
  });
  // like the extension's views, look at the status it is sent
  let statuses = 0;
  conn.onNotification(P.StatusNotification.type, () => void statuses++);
  await topUp();
  const r = await measure();
  stopped = true;
  const end = Date.now() + 60_000;
  while (outstanding > 0 && Date.now() < end) await sleep(50);
  conn.close();
  return { ...r, tasks: done, statuses };
}

async function inProcess(): Promise<Record<string, number>> {
  let stopped = false;
  let done = 0;
  let bytes = 0;
  const lane = async (): Promise<void> => {
    while (!stopped) {
      await new Promise<void>((resolve) => {
        const child = spawn(opts.argv[0]!, opts.argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
        try {
          if (child.pid && opts.nice) setPriority(child.pid, opts.nice);
        } catch {
          // gone already
        }
        child.stdin.on('error', () => undefined);
        child.stdin.end();
        // kept as the extension would keep it: the whole output, to parse when the agent is done
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.stderr.on('data', () => undefined);
        child.on('error', () => resolve());
        child.on('close', () => {
          bytes += out.length;
          done++;
          resolve();
        });
      });
    }
  };
  const lanes = Array.from({ length: opts.concurrency }, lane);
  const r = await measure();
  stopped = true;
  await Promise.all(lanes);
  return { ...r, tasks: done, bytes };
}

const modes = { host: viaHost, inproc: inProcess, idle: async () => ({ ...(await measure()), tasks: 0 }) };
modes[opts.mode]().then(
  (r) => {
    process.stdout.write(JSON.stringify(r) + '\n');
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`lag client: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);

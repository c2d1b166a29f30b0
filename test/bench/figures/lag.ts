// client_lag_p99_ms and client_lag_vs_inproc: the event-loop delay of a client process (the
// extension's situation) while 8 agents that print run: through the host, or spawned and read by
// the client itself. See helpers/lagClient.ts.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Figure, Mode } from '../lib/figure';
import { BENCH_AGENTS, BenchHost, configYaml, ROOT } from '../lib/host';
import { alternate, fmt, median, round } from '../lib/stats';

const PRINT = ['/bin/sh', join(BENCH_AGENTS, 'print.sh')];
const CLIENT = join(ROOT, 'test', 'bench', 'helpers', 'lagClient.ts');
const SATURATED = 0.9; // both cores at least 90 % busy during the window

interface LagResult {
  p50: number;
  p99: number;
  max: number;
  busy: number;
  tasks: number;
}

function runClient(opts: Record<string, unknown>): Promise<LagResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLIENT, JSON.stringify(opts)],
      { cwd: ROOT, timeout: 180_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`lag client failed: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as LagResult);
      },
    );
  });
}

export async function lagFigures(m: Mode): Promise<Figure[]> {
  // the host's defaults (agents at nice 10): this figure is the extension's situation
  const host = await BenchHost.start(
    configYaml(8, { print: { command: PRINT, concurrency: 8, output: 'text', timeout: 60 } }),
  );
  try {
    const base = {
      workspace: host.ws,
      agent: 'print',
      argv: PRINT,
      concurrency: 8,
      nice: 10,
      warmupMs: 500,
      windowMs: m.quick ? 1000 : 4000,
    };
    const samples: { host: LagResult[]; inproc: LagResult[]; idle: LagResult[] } = { host: [], inproc: [], idle: [] };
    const ab = await alternate(
      m.quick ? 1 : Math.max(3, m.reps - 2),
      async () => {
        // a bystander measures the same window: what the load costs any process, client or not
        const [r, idle] = await Promise.all([
          runClient({ ...base, mode: 'host' }),
          runClient({ ...base, mode: 'idle' }),
        ]);
        samples.host.push(r);
        samples.idle.push(idle);
        m.log(
          `  via host: p99 ${fmt(r.p99)} ms, ${r.tasks} tasks, cores ${Math.round(r.busy * 100)}% busy; a bystander's p99 ${fmt(idle.p99)} ms`,
        );
        return r.p99;
      },
      async () => {
        const r = await runClient({ ...base, mode: 'inproc' });
        samples.inproc.push(r);
        m.log(`  in-process: p99 ${fmt(r.p99)} ms, ${r.tasks} tasks, cores ${Math.round(r.busy * 100)}% busy`);
        return r.p99;
      },
    );
    const p99 = median(ab.a);
    const inproc = median(ab.b);
    const busy = median(samples.host.map((s) => s.busy));
    const saturated = busy >= SATURATED;
    const bystander = median(samples.idle.map((s) => s.p99));
    const tasks = (xs: LagResult[]) => median(xs.map((x) => x.tasks));
    return [
      {
        key: 'client_lag_p99_ms',
        value: round(p99, 2),
        measured: `p99 ${fmt(p99, 'ms')}, ${fmt(tasks(samples.host))} tasks/window via host`,
        baseline: `cores ${Math.round(busy * 100)}% busy; an idle bystander's p99 ${fmt(bystander, 'ms')}`,
        goal: { op: '<=', limit: saturated ? 5 : 2.5, note: saturated ? '(both cores saturated)' : '' },
        detail: { samples },
      },
      {
        key: 'client_lag_vs_inproc',
        value: round(inproc / p99, 2),
        measured: `p99 ${fmt(p99, 'ms')} via host`,
        baseline: `p99 ${fmt(inproc, 'ms')} spawning itself (${fmt(tasks(samples.inproc))} tasks)`,
        goal: { op: '>=', limit: 2.5 },
      },
    ];
  } finally {
    await host.stop();
  }
}

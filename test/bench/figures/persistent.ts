// persistent_vs_bullmq: no-op tasks through the real host to a persistent agent (one process for
// all its tasks, JSON-RPC over stdio; journal durable) against BullMQ on redis with AOF everysec,
// both at concurrency 8 and both given their work in one request (tasks/submitBatch, addBulk).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as P from '../../../common/protocol';
import { absent, type Figure, type Mode } from '../lib/figure';
import { BENCH_AGENTS, BenchHost, configYaml, distFile } from '../lib/host';
import { bullmqRate, bullmqUnavailable, Redis } from '../lib/redis';
import { alternate, fmt, median, round } from '../lib/stats';

const C = 8;
let batch = 0;

async function hostRate(host: BenchHost, n: number): Promise<number> {
  const tag = `p${++batch}`;
  const t0 = Date.now();
  const ids = await host.submitBatch(
    Array.from({ length: n }, (_, i) => ({ agent: 'noop', task: 'noop', key: `${tag}-${i}` })),
  );
  const end = await host.waitDone(ids, 300_000);
  return n / ((end - t0) / 1000);
}

export async function persistentFigures(m: Mode): Promise<Figure[]> {
  const goal = { op: '>=' as const, limit: 1 };
  if (!existsSync(distFile('sdk.js')))
    return [absent('persistent_vs_bullmq', 'persistent agents not available in this build (no dist/sdk.js)', goal)];
  const why = await bullmqUnavailable();
  if (why) return [absent('persistent_vs_bullmq', why, goal)];
  const host = await BenchHost.start(
    configYaml(C, {
      noop: {
        command: [process.execPath, join(BENCH_AGENTS, 'noopAgent.js')],
        persistent: true,
        concurrency: C,
        nice: 0,
        output: 'findings-json',
        timeout: 60,
      },
    }),
  );
  const redis = await Redis.start('everysec');
  try {
    // the first task starts the agent; then check it really is one long-lived process
    await hostRate(host, 1);
    const pids = async () =>
      (await host.request(P.StatusRequest.type, {})).agents.find((a) => a.id === 'noop')?.pids ?? [];
    const before = await pids();
    await hostRate(host, C * 2);
    const after = await pids();
    if (before.length !== 1 || after.length !== 1 || before[0] !== after[0]) {
      return [
        absent(
          'persistent_vs_bullmq',
          `the agent did not run as one persistent process (pids ${JSON.stringify(before)} then ${JSON.stringify(after)})`,
          goal,
        ),
      ];
    }
    const n = m.quick ? 300 : 5000;
    m.log(`persistent agent vs BullMQ (AOF everysec): ${n} no-op tasks, concurrency ${C}`);
    // an untimed round of each first: JIT-compiled code on both sides before anything is timed
    await hostRate(host, Math.ceil(n / 2));
    await bullmqRate(redis.port, Math.ceil(n / 2), 'bulk', C);
    const ab = await alternate(
      m.reps,
      () => hostRate(host, n),
      () => bullmqRate(redis.port, n, 'bulk', C),
    );
    return [
      {
        key: 'persistent_vs_bullmq',
        value: round(median(ab.ratios), 2),
        measured: `${fmt(median(ab.a))} tasks/s via host`,
        baseline: `${fmt(median(ab.b))} jobs/s BullMQ, AOF everysec`,
        goal,
        detail: { host: ab.a.map((x) => round(x)), bullmq: ab.b.map((x) => round(x)) },
      },
    ];
  } finally {
    await redis.stop();
    await host.stop();
  }
}

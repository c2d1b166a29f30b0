// cpu_limit_error_points and memory_kill_latency_ms: how well the host enforces an agent's
// max_cpu_percent and max_memory (host/agents/monitor.ts), measured from /proc, not from what the
// host reports. Null with the reason when this build or machine does not enforce them.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as P from '../../../common/protocol';
import { absent, type Figure, type Mode } from '../lib/figure';
import { BENCH_AGENTS, BenchHost, configYaml } from '../lib/host';
import { cpuSeconds } from '../lib/proc';
import { epochMs, fmt, median, round } from '../lib/stats';
import { alive } from '../../support/proc';
import { sleep, until } from '../../support/wait';

const CPU_LIMIT = 25;
const MEM_LIMIT = 150 * 1024 * 1024;

export async function limitFigures(m: Mode): Promise<Figure[]> {
  const host = await BenchHost.start(
    configYaml(
      4,
      {
        spin: {
          command: [process.execPath, join(BENCH_AGENTS, 'spin.js')],
          max_cpu_percent: CPU_LIMIT,
          nice: 0,
          output: 'text',
          timeout: 120,
        },
        grow: {
          command: [process.execPath, join(BENCH_AGENTS, 'grow.js'), String(MEM_LIMIT), '${workspace}/grow-${task}'],
          max_memory: MEM_LIMIT,
          nice: 0,
          output: 'text',
          timeout: 60,
        },
      },
      { mode: 'production' },
    ),
  );
  try {
    const tiers = Object.fromEntries((await host.request(P.StatusRequest.type, {})).agents.map((a) => [a.id, a.tier]));
    return [await cpuFigure(m, host, tiers.spin), await memoryFigure(m, host, tiers.grow)];
  } finally {
    await host.stop();
  }
}

async function cpuFigure(m: Mode, host: BenchHost, tier: string | undefined): Promise<Figure> {
  const key = 'cpu_limit_error_points';
  const goal = { op: '<=' as const, limit: 5 };
  if (!tier || tier === 'observe-only')
    return absent(key, `max_cpu_percent is not enforced in this build (agent tier ${tier ?? 'unknown'})`, goal);
  const windowS = m.quick ? 1.5 : 5;
  m.log(`CPU limit ${CPU_LIMIT}% (${tier}): ${windowS} s window after 1 s to settle`);
  const [id] = await host.submitBatch([{ agent: 'spin', task: 'spin', key: 'spin' }]);
  try {
    const pid = await until(
      async () => (await host.request(P.GetTaskRequest.type, { id: id! })).pid,
      60_000,
      'the spinning agent to start',
      20,
    );
    await sleep(1000);
    const c0 = cpuSeconds(pid);
    const t0 = epochMs();
    await sleep(windowS * 1000);
    const c1 = cpuSeconds(pid);
    if (c0 === undefined || c1 === undefined) throw new Error('the spinning agent ended during the measurement');
    const pct = ((c1 - c0) / ((epochMs() - t0) / 1000)) * 100;
    return {
      key,
      // absolute: an agent held far below its limit is as wrong as one let over it
      value: round(Math.abs(pct - CPU_LIMIT), 1),
      measured: `${fmt(pct, '%')} CPU (spinning agent)`,
      baseline: `max_cpu_percent ${CPU_LIMIT}`,
      goal,
      why: `enforcement tier ${tier}; |measured − limit| in percentage points (measured − limit = ${fmt(pct - CPU_LIMIT)})`,
    };
  } finally {
    await host.request(P.CancelTaskRequest.type, { id: id! });
  }
}

async function memoryFigure(m: Mode, host: BenchHost, tier: string | undefined): Promise<Figure> {
  const key = 'memory_kill_latency_ms';
  const goal = { op: '<=' as const, limit: 1000 };
  if (!tier || tier === 'observe-only')
    return absent(key, `max_memory is not enforced in this build (agent tier ${tier ?? 'unknown'})`, goal);
  const samples: number[] = [];
  for (let i = 0; i < (m.quick ? 1 : 3); i++) {
    const task = `g${i}`;
    const stamp = join(host.ws, `grow-${task}`);
    const [id] = await host.submitBatch([{ agent: 'grow', task, key: task }]);
    // poll every 2 ms: the figure's resolution, and cheap next to the host's own sampling
    // a complete "pid ms" line only: the file exists, empty, for a moment before it is written
    const read = (): string => (existsSync(stamp) ? readFileSync(stamp, 'utf8') : '');
    const ok = (t: string): boolean => /^\d+ [\d.]+$/.test(t);
    // stop waiting when the stamp is there, or when the task is over without one
    const text = await until(
      () => (ok(read()) ? read() : host.finals.has(id!) ? `ended: ${read()}` : ''),
      60_000,
      'the agent to cross max_memory',
      2,
    ).catch(() => read());
    const [pid, crossedAt] = text.split(' ').map(Number);
    if (pid) await until(() => !alive(pid), 30_000, 'the agent to be killed', 2).catch(() => undefined);
    const goneAt = Date.now(); // the wall clock, as the agent stamps it (grow.js)
    await host.waitDone([id!], 60_000).catch(() => undefined);
    const t = await host.request(P.GetTaskRequest.type, { id: id! });
    if (t.reason !== 'memory_limit')
      return absent(
        key,
        `the agent was not killed for its memory (task ${t.state}${t.reason ? `, reason ${t.reason}` : ''}): max_memory not enforced`,
        goal,
      );
    // no stamp: killed between its allocation and its own check, i.e. within a few ms
    if (!pid || !Number.isFinite(crossedAt)) {
      m.log(`  killed before it could note its crossing (${JSON.stringify(text)})`);
      continue;
    }
    samples.push(goneAt - crossedAt!);
    m.log(`  memory kill after ${fmt(goneAt - crossedAt!, 'ms')}`);
  }
  if (samples.length === 0)
    return absent(key, 'every run was killed before the agent could note when it crossed max_memory', goal);
  const v = median(samples);
  return {
    key,
    value: round(v, 0),
    measured: `${fmt(v, 'ms')} RSS > max_memory → agent gone`,
    baseline: `max_memory ${MEM_LIMIT / 1024 / 1024} MiB`,
    goal,
    why: `enforcement tier ${tier}`,
    detail: { samples: samples.map((x) => round(x)) },
  };
}

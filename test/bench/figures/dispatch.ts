// dispatch_ratio, dispatch_ratio_node, start_latency_extra_ms: one-shot tasks through the real host
// (submitted over the socket, journal durable, completion seen in tasks/didChange) against a bare
// spawn loop (helpers/rawSpawn.mjs) doing the same runs at the same concurrency.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as P from '../../../common/protocol';
import type { Figure, Mode } from '../lib/figure';
import { BenchHost, configYaml } from '../lib/host';
import { RawSpawner } from '../lib/raw';
import { alternate, epochMs, fmt, median, round } from '../lib/stats';
import { sleep } from '../../support/wait';

const TRUE = ['/bin/true'];
const NODE0 = [process.execPath, '-e', '0'];
// bash's $EPOCHREALTIME is the agent's own first moment, on the same clock as the bench's epochMs()
const STAMP = ['/bin/bash', '-c', 'echo $EPOCHREALTIME > "$0"'];

// The agents run at the host's default nice, as users' agents do; the bare loop renices its
// children to the same value right after spawn, as the host does, so both pay for it alike.
const NICE = 10;
const agent = (command: string[], concurrency: number) => ({
  command,
  concurrency,
  output: 'text',
  timeout: 120,
});

let batch = 0;

/** tasks/s through the host: submit n in one batch, time until the last one's finishedAt. */
async function hostRate(host: BenchHost, agentId: string, n: number, timeoutMs: number): Promise<number> {
  const tag = `b${++batch}`;
  const items = Array.from({ length: n }, (_, i) => ({ agent: agentId, task: 'dispatch', key: `${tag}-${i}` }));
  const t0 = Date.now();
  const ids = await host.submitBatch(items);
  // finishedAt, not the arrival of the notification: tasks/didChange is coalesced to ≤ 10/s by
  // design, and that 100 ms window is delivery latency, not dispatch cost.
  const end = await host.waitDone(ids, timeoutMs);
  return n / ((end - t0) / 1000);
}

interface Pair {
  ratio: number;
  host: number;
  raw: number;
  n: number;
  samples: { host: number[]; raw: number[] };
}

async function compare(
  m: Mode,
  host: BenchHost,
  raw: RawSpawner,
  agentId: string,
  argv: string[],
  c: number,
  target: { lo: number; hi: number; sec: number },
): Promise<Pair> {
  // size the batches from a short probe, so each sample lasts about `sec` whatever the load
  const probe = await raw.throughput(argv, m.quick ? Math.max(c, 4) : Math.max(c * 2, 8), c, NICE);
  const n = Math.round(Math.min(target.hi, Math.max(target.lo, probe * target.sec)));
  const timeoutMs = Math.max(120_000, (n / probe) * 20_000);
  m.log(`  ${agentId}: ${n} tasks per sample at c=${c} (probe ${fmt(probe)}/s)`);
  const ab = await alternate(
    m.reps,
    () => hostRate(host, agentId, n, timeoutMs),
    () => raw.throughput(argv, n, c, NICE),
  );
  return {
    ratio: median(ab.ratios),
    host: median(ab.a),
    raw: median(ab.b),
    n,
    samples: { host: ab.a.map((x) => round(x)), raw: ab.b.map((x) => round(x)) },
  };
}

export async function dispatchFigures(m: Mode): Promise<Figure[]> {
  const host = await BenchHost.start(
    configYaml(8, {
      t2: agent(TRUE, 2),
      t8: agent(TRUE, 8),
      n2: agent(NODE0, 2),
      n8: agent(NODE0, 8),
      stamp: agent([...STAMP, '${workspace}/.stamps/${task}'], 1),
    }),
  );
  const raw = new RawSpawner();
  try {
    const tSize = m.quick ? { lo: 16, hi: 60, sec: 0.4 } : { lo: 50, hi: 1000, sec: 2.5 };
    const nSize = m.quick ? { lo: 4, hi: 16, sec: 0.4 } : { lo: 24, hi: 400, sec: 2.5 };
    m.log('dispatch: /bin/true');
    const t2 = await compare(m, host, raw, 't2', TRUE, 2, tSize);
    const t8 = await compare(m, host, raw, 't8', TRUE, 8, tSize);
    m.log('dispatch: node -e 0');
    const n2 = await compare(m, host, raw, 'n2', NODE0, 2, nSize);
    const n8 = await compare(m, host, raw, 'n8', NODE0, 8, nSize);
    m.log('start latency');
    const lat = await startLatency(m, host, raw);
    const pairText = (a: Pair, b: Pair, what: 'host' | 'raw') =>
      `${fmt(a[what])} / ${fmt(b[what])} tasks/s (c=2 / c=8)`;
    return [
      {
        key: 'dispatch_ratio',
        value: round(Math.min(t2.ratio, t8.ratio), 3),
        measured: pairText(t2, t8, 'host'),
        baseline: pairText(t2, t8, 'raw') + ' raw spawn',
        goal: { op: '>=', limit: 0.8 },
        why: `/bin/true; the lower of c=2 (${fmt(t2.ratio)}) and c=8 (${fmt(t8.ratio)})`,
        detail: { c2: t2, c8: t8 },
      },
      {
        key: 'dispatch_ratio_node',
        value: round(Math.min(n2.ratio, n8.ratio), 3),
        measured: pairText(n2, n8, 'host'),
        baseline: pairText(n2, n8, 'raw') + ' raw spawn',
        goal: { op: '>=', limit: 0.95 },
        why: `node -e 0; the lower of c=2 (${fmt(n2.ratio)}) and c=8 (${fmt(n8.ratio)})`,
        detail: { c2: n2, c8: n8 },
      },
      lat,
    ];
  } finally {
    raw.stop();
    await host.stop();
  }
}

/** submit → the agent's first moment on an idle host, minus spawn() → first moment in a bare loop, per pair */
async function startLatency(m: Mode, host: BenchHost, raw: RawSpawner): Promise<Figure> {
  const dir = join(host.ws, '.stamps');
  mkdirSync(dir, { recursive: true });
  const reps = m.quick ? 3 : 21;
  let i = 0;
  const viaHost = async (): Promise<number> => {
    const name = `s${++i}`;
    await sleep(30); // idle host: nothing in flight, notifications flushed
    const t0 = epochMs();
    const r = await host.request(P.SubmitRequest.type, { agent: 'stamp', task: name, key: name, files: [] });
    await host.waitDone([r.taskId], 60_000);
    const file = join(dir, name);
    const at = Number.parseFloat(readFileSync(file, 'utf8')) * 1000;
    rmSync(file, { force: true });
    return at - t0;
  };
  const viaRaw = async (): Promise<number> => {
    await sleep(30);
    return raw.latency([...STAMP, join(dir, `raw${++i}`)], join(dir, `raw${i}`), NICE);
  };
  const ab = await alternate(reps, viaHost, viaRaw);
  // for scale: a request to another process starts with waking it up, which the baseline (spawn
  // in the process that measures) never pays; on a busy machine that hop alone is milliseconds
  const hops: number[] = [];
  for (let k = 0; k < reps; k++) {
    await sleep(30);
    hops.push(await raw.hop());
  }
  const h = median(ab.a);
  const r = median(ab.b);
  return {
    key: 'start_latency_extra_ms',
    // each host sample is paired with the raw one measured next to it: the median of those
    // differences, not the difference of two medians taken from different moments
    value: round(median(ab.diffs), 2),
    measured: `${fmt(h, 'ms')} p50 submit → agent start`,
    baseline: `${fmt(r, 'ms')} p50 spawn() → agent start`,
    goal: { op: '<=', limit: 3 },
    why: `median of ${ab.diffs.length} paired differences (host − raw, interleaved); includes one request to the idle host; a bare pipe message to an idle process took ${fmt(median(hops), 'ms')} p50 here`,
    detail: {
      host: ab.a.map((x) => round(x)),
      raw: ab.b.map((x) => round(x)),
      diffs: ab.diffs.map((x) => round(x)),
      hop: hops.map((x) => round(x, 3)),
    },
  };
}

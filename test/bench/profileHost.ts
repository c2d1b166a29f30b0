// A developer's tool, not a figure: runs the host under --cpu-prof while it dispatches one-shot
// tasks, then prints where its CPU went (self time by function, and by file).
//   node --import tsx test/bench/profileHost.ts [--tasks N] [--c C] [--argv /bin/true] [--persistent]
//     [--no-prof] [--keep FILE] [--node-args '--flag …'] [--callers functionName] [--batch 500]
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installCleanupHandlers, onCleanup } from './lib/cleanup';
import { BENCH_AGENTS, BenchHost, configYaml } from './lib/host';
import { cpuSplit, rssBytes } from './lib/proc';
import { RawSpawner } from './lib/raw';

interface ProfNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const arg = (k: string, d: string): string => {
  const i = process.argv.indexOf(k);
  return i >= 0 ? process.argv[i + 1]! : d;
};

const perTask = (c: { user: number; system: number }, n: number): string =>
  `${(((c.user + c.system) * 1000) / n).toFixed(3)} ms per task (user ${((c.user * 1000) / n).toFixed(3)}, system ${((c.system * 1000) / n).toFixed(3)})`;

async function main(): Promise<void> {
  installCleanupHandlers();
  const runtime = mkdtempSync(join(tmpdir(), 'agbg-prof-rt-'));
  process.env.XDG_RUNTIME_DIR = runtime;
  onCleanup(() => rmSync(runtime, { recursive: true, force: true }));
  const n = Number(arg('--tasks', '2000'));
  const c = Number(arg('--c', '8'));
  const persistent = process.argv.includes('--persistent');
  const noProf = process.argv.includes('--no-prof'); // CPU and rate figures without the profiler's overhead
  const command = persistent
    ? [process.execPath, join(BENCH_AGENTS, 'noopAgent.js')]
    : arg('--argv', '/bin/true').split(' ');
  const dir = mkdtempSync(join(tmpdir(), 'agbg-prof-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const host = await BenchHost.start(
    configYaml(c, {
      a: { command, concurrency: c, nice: 0, output: 'text', timeout: 60, ...(persistent ? { persistent: true } : {}) },
    }),
    {
      nodeArgs: [
        ...(process.argv.includes('--node-args') ? arg('--node-args', '').split(' ') : []),
        ...(noProf ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200']),
      ],
    },
  );
  const cpu0 = cpuSplit(host.pid)!;
  const t0 = Date.now();
  let done = 0;
  while (done < n) {
    const k = Math.min(Number(arg('--batch', '500')), n - done);
    const ids = await host.submitBatch(
      Array.from({ length: k }, (_, i) => ({ agent: 'a', task: 'p', key: `p${done + i}` })),
    );
    await host.waitDone(ids, 600_000);
    done += k;
  }
  const secs = (Date.now() - t0) / 1000;
  const cpu1 = cpuSplit(host.pid)!;
  const cpu = { user: cpu1.user - cpu0.user, system: cpu1.system - cpu0.system };
  const rss = rssBytes(host.pid)!;
  await host.stop();
  console.log(
    `host: ${n} tasks in ${secs.toFixed(2)} s = ${(n / secs).toFixed(0)}/s; CPU ${perTask(cpu, n)}; RSS ${(rss / 1e6).toFixed(1)} MB`,
  );
  if (!persistent) {
    // the bare spawn loop right after, for scale
    const raw = new RawSpawner();
    const r0 = cpuSplit(raw.pid)!;
    const rate = await raw.throughput(command, n, c);
    const r1 = cpuSplit(raw.pid)!;
    const rawCpu = { user: r1.user - r0.user, system: r1.system - r0.system };
    const rawRss = rssBytes(raw.pid)!;
    raw.stop();
    console.log(`raw:  ${rate.toFixed(0)}/s; CPU ${perTask(rawCpu, n)}; RSS ${(rawRss / 1e6).toFixed(1)} MB`);
  }
  if (noProf) process.exit(0);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
  // --keep FILE: the raw profile, for Chrome DevTools or a diff against another run
  if (process.argv.includes('--keep')) copyFileSync(join(dir, file), arg('--keep', 'host.cpuprofile'));
  const prof = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: ProfNode[];
    startTime: number;
    endTime: number;
    samples: number[];
  };
  const per = (prof.endTime - prof.startTime) / 1000 / prof.samples.length; // ms per sample
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const nd of prof.nodes) {
    const ms = (nd.hitCount ?? 0) * per;
    if (nd.callFrame.functionName === '(idle)') continue;
    total += ms;
    const url = nd.callFrame.url.replace(/^.*\/(node_modules\/[^/]+|dist)\//, '$1/');
    const k = `${nd.callFrame.functionName || '(anon)'} ${url}:${nd.callFrame.lineNumber + 1}`;
    byFn.set(k, (byFn.get(k) ?? 0) + ms);
    byFile.set(url || nd.callFrame.functionName, (byFile.get(url || nd.callFrame.functionName) ?? 0) + ms);
  }
  const top = (m: Map<string, number>, k: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(
        ([name, ms]) =>
          `${(ms / n).toFixed(3).padStart(8)} ms/task ${((ms / total) * 100).toFixed(1).padStart(5)}%  ${name}`,
      )
      .join('\n');
  // --callers NAME: the stacks that lead to functions named NAME (self time, by caller chain)
  const want = process.argv.includes('--callers') ? arg('--callers', '') : undefined;
  if (want) {
    const parent = new Map<number, ProfNode>();
    for (const nd of prof.nodes) for (const ch of nd.children ?? []) parent.set(ch, nd);
    const chains = new Map<string, number>();
    for (const nd of prof.nodes) {
      if (nd.callFrame.functionName !== want || !nd.hitCount) continue;
      const names: string[] = [];
      for (let p = parent.get(nd.id); p && names.length < 8; p = parent.get(p.id))
        names.push(`${p.callFrame.functionName || '(anon)'}:${p.callFrame.lineNumber + 1}`);
      const k = names.join(' < ');
      chains.set(k, (chains.get(k) ?? 0) + nd.hitCount * per);
    }
    console.log(`callers of ${want}:\n${top(chains, 12)}\n`);
  }
  // inclusive time of the host's own functions: where a task's cost starts in our code
  const parentOf = new Map<number, ProfNode>();
  for (const nd of prof.nodes) for (const ch of nd.children ?? []) parentOf.set(ch, nd);
  const incl = new Map<string, number>();
  for (const nd of prof.nodes) {
    if (!nd.hitCount || nd.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let p: ProfNode | undefined = nd; p; p = parentOf.get(p.id)) {
      if (!p.callFrame.url.endsWith('dist/host.js')) continue;
      const k = `${p.callFrame.functionName || '(anon)'} host.js:${p.callFrame.lineNumber + 1}`;
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + nd.hitCount * per);
    }
  }
  console.log(`inclusive, host functions:\n${top(incl, 30)}\n`);
  console.log(
    `busy (non-idle) samples: ${(total / n).toFixed(3)} ms per task\n\nby function:\n${top(byFn, 40)}\n\nby file:\n${top(byFile, 15)}`,
  );
  process.exit(0); // the exit handler removes the temp dirs
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

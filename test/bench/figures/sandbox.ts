// sandbox_spawn_overhead_ms: what the sandbox adds to an agent's start — the median over
// interleaved pairs of (spawn → exit of /bin/true under bubblewrap with the policy a read agent
// gets) minus (the same spawn without it). Both sides spawn from this process, so the host's own
// costs, the same for both, are left out.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bwrapArgs, defaultReadDeny, type PathKind } from '../../../host/sandbox/policy';
import { onCleanup } from '../lib/cleanup';
import { absent, type Figure, type Mode } from '../lib/figure';
import { fmt, median, round } from '../lib/stats';

function timed(file: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(file, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
  });
}

const kind = (p: string): PathKind => {
  try {
    return statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
};

export async function sandboxFigures(m: Mode): Promise<Figure[]> {
  const goal = { op: '<=' as const, limit: 15 };
  if (spawnSync('bwrap', ['--ro-bind', '/', '/', 'true']).status !== 0)
    return [absent('sandbox_spawn_overhead_ms', 'bubblewrap (bwrap) is not installed or cannot run here', goal)];
  const ws = mkdtempSync(join(tmpdir(), 'agbg-bench-sbx-'));
  const tmp = mkdtempSync(join(tmpdir(), 'agbg-bench-sbx-tmp-'));
  onCleanup(() => rmSync(ws, { recursive: true, force: true }));
  onCleanup(() => rmSync(tmp, { recursive: true, force: true }));
  const args = bwrapArgs(
    {
      read: [ws],
      write: [],
      readDeny: defaultReadDeny(homedir(), join(tmpdir(), 'agentic-bg-0')),
      network: { kind: 'none' },
      tmpDir: tmp,
    },
    ['/bin/true'],
    kind,
  );
  const reps = m.quick ? 5 : 41;
  const diffs: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < reps; i++) {
    const a = i % 2 ? await timed('/bin/true', []) : 0;
    const b = await timed('bwrap', args);
    const c = i % 2 ? 0 : await timed('/bin/true', []);
    diffs.push(b - (a || c));
    raw.push(a || c);
  }
  const value = round(median(diffs), 1);
  m.log(`sandbox overhead per pair: ${diffs.map((d) => d.toFixed(1)).join(' ')} ms`);
  return [
    {
      key: 'sandbox_spawn_overhead_ms',
      value,
      measured: `${fmt(value)} ms p50 extra, /bin/true under bubblewrap (${reps} pairs)`,
      baseline: `${fmt(median(raw))} ms p50 /bin/true unsandboxed`,
      goal,
      detail: { diffs, raw },
    },
  ];
}

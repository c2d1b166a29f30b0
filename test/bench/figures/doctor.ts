// doctor_ms: the wall time of `agentic-bg doctor --json` on a workspace with a config of three
// command agents (the checks: runtime dir, journal disk, cgroup tier, sandbox probe, git, config
// validation, a PATH lookup per agent), against `node -e 0` in the same run: the part that is the
// runtime's own start-up is shown as the baseline. Goal: ≤ 1 s on this kind of machine.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { onCleanup } from '../lib/cleanup';
import type { Figure, Mode } from '../lib/figure';
import { distFile, makeWorkspace } from '../lib/host';
import { alternate, fmt, median, round } from '../lib/stats';

function timed(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
  });
}

export async function doctorFigures(m: Mode): Promise<Figure[]> {
  const ws = makeWorkspace(`background:
  agents:
    lint: { command: ["node", "-e", "0", "\${files}"] }
    fmt: { command: ["git", "status"] }
    docs: { command: ["no-such-tool", "\${files}"] }
`);
  onCleanup(() => rmSync(ws, { recursive: true, force: true }));
  const cli = distFile('cli.js');
  const reps = m.quick ? 2 : 7;
  const ab = await alternate(
    reps,
    () => timed([cli, 'doctor', '--json', '--workspace', ws]),
    () => timed(['-e', '0']),
  );
  const value = round(median(ab.a), 0);
  m.log(
    `doctor ${ab.a.map((x) => x.toFixed(0)).join(' ')} ms; node -e 0 ${ab.b.map((x) => x.toFixed(0)).join(' ')} ms`,
  );
  return [
    {
      key: 'doctor_ms',
      value,
      measured: `${fmt(value)} ms agentic-bg doctor --json (p50 of ${reps})`,
      baseline: `${fmt(median(ab.b))} ms node -e 0`,
      goal: { op: '<=', limit: 1000 },
      detail: { doctorMs: ab.a, nodeMs: ab.b },
    },
  ];
}

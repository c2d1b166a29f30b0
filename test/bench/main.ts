// npm run bench [-- --json] [-- --quick] [-- --only group,group]
//
// The performance figures (docs/performance.md), each a ratio (or difference) against a baseline measured
// in the same run, alternating A/B over several repetitions and reporting the median. Progress
// goes to stderr; stdout carries the table, or with --json exactly one JSON object. A figure that
// misses its goal never changes the exit code: only a crash of the harness itself does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installCleanupHandlers, onCleanup, runCleanup } from './lib/cleanup';
import { absent, met, type Figure, type Mode } from './lib/figure';
import { snapshotDist } from './lib/host';
import { machine } from './lib/proc';
import { fmt } from './lib/stats';
import { GROUPS, KEYS } from './groups';

function parseArgs(argv: string[]): { json: boolean; quick: boolean; only?: Set<string> } {
  const out: { json: boolean; quick: boolean; only?: Set<string> } = { json: false, quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') out.json = true;
    else if (a === '--quick') out.quick = true;
    else if (a === '--only') out.only = new Set((argv[++i] ?? '').split(','));
    else {
      process.stderr.write(
        `bench: unknown argument ${a}\nusage: bench [--json] [--quick] [--only ${Object.keys(GROUPS).join(',')}]\n`,
      );
      process.exit(2);
    }
  }
  return out;
}

/** the value as the table shows it: never rounded onto its limit (0.948 shown as 0.95 next to "≥ 0.95 ✗") */
function shown(f: Figure, ok: boolean | undefined): string {
  const s = fmt(f.value);
  return ok === false && f.goal && Number(s) === f.goal.limit ? String(f.value) : s;
}

function table(
  figs: Figure[],
  mach: ReturnType<typeof machine>,
  loadEnd: number[],
  quick: boolean,
  secs: number,
): string {
  const rows = [['figure', 'value', 'baseline', 'ratio', 'goal', '']];
  for (const f of figs) {
    const ok = met(f);
    const goal = f.goal
      ? `${f.goal.op === '<=' ? '≤' : '≥'} ${f.goal.limit}${f.goal.note ? ` ${f.goal.note}` : ''}`
      : 'report';
    rows.push([
      f.key,
      f.measured ?? (f.value === null ? '—' : ''),
      f.baseline ?? '',
      shown(f, ok),
      goal,
      ok === undefined ? (f.value === null ? 'n/a' : '') : ok ? '✓' : '✗',
    ]);
  }
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...r[c]!].length)));
  const line = (r: string[]) =>
    r
      .map((x, c) => x + ' '.repeat(w[c]! - [...x].length))
      .join('  ')
      .trimEnd();
  const out = [line(rows[0]!), w.map((n) => '-'.repeat(n)).join('  '), ...rows.slice(1).map(line)];
  const notes = figs.filter((f) => f.why).map((f) => `  ${f.key}: ${f.why}`);
  return [
    `machine: ${mach.cpu}, ${mach.cores} cores, node ${mach.node}, kernel ${mach.kernel}, load ${mach.loadavg.join(' ')} → ${loadEnd.join(' ')}${quick ? ' — QUICK MODE (harness check, not figures)' : ''}`,
    '',
    ...out,
    '',
    'notes:',
    ...notes,
    '',
    `${figs.filter((f) => met(f) === true).length} of ${figs.filter((f) => met(f) !== undefined).length} measured figures meet their goal; ${figs.filter((f) => f.value === null).length} not measured; ${secs.toFixed(0)} s`,
  ].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  installCleanupHandlers();
  // the host code under test unref()s its timers (a daemon must not be kept alive by them); in
  // this process nothing else may hold the loop while such a timer is all that is pending
  setInterval(() => undefined, 1 << 30);
  snapshotDist();
  // hosts of this run get their own runtime dir: never attach to (or disturb) a developer's hosts
  const runtime = mkdtempSync(join(tmpdir(), 'agbg-bench-rt-'));
  process.env.XDG_RUNTIME_DIR = runtime;
  onCleanup(() => rmSync(runtime, { recursive: true, force: true }));

  const mode: Mode = {
    quick: args.quick,
    reps: args.quick ? 1 : 5,
    log: (s) => process.stderr.write(`[bench] ${s}\n`),
  };
  const mach = machine();
  const t0 = Date.now();
  const figs: Figure[] = [];
  let crashed = false;
  for (const [name, run] of Object.entries(GROUPS)) {
    if (args.only && !args.only.has(name)) continue;
    mode.log(`== ${name}`);
    try {
      figs.push(...(await run(mode)));
    } catch (err) {
      // a broken group is a harness failure: say so, keep measuring the others, exit 1 at the end
      crashed = true;
      mode.log(`group ${name} crashed: ${(err as Error)?.stack ?? String(err)}`);
      for (const k of KEYS[name] ?? [])
        figs.push(absent(k, `harness error in group ${name}: ${(err as Error)?.message ?? String(err)}`));
    }
  }
  const end = machine();
  const secs = (Date.now() - t0) / 1000;
  if (args.json) {
    const obj: Record<string, unknown> = {};
    for (const f of figs) obj[f.key] = f.value;
    obj.machine = { ...mach, loadavgEnd: end.loadavg };
    obj.quick = args.quick;
    obj.seconds = Math.round(secs);
    obj.goals = Object.fromEntries(figs.filter((f) => f.goal).map((f) => [f.key, { ...f.goal, met: met(f) ?? null }]));
    obj.details = Object.fromEntries(
      figs.map((f) => [f.key, { measured: f.measured, baseline: f.baseline, why: f.why, ...f.detail }]),
    );
    process.stdout.write(JSON.stringify(obj) + '\n');
  } else {
    process.stdout.write(table(figs, mach, end.loadavg, args.quick, secs) + '\n');
  }
  runCleanup();
  process.exit(crashed ? 1 : 0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\n`);
  runCleanup();
  process.exit(1);
});

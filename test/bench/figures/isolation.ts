// Write-agent isolation: worktree_setup_ms, the time a write task spends before its agent can
// start (snapshot of the workspace + a worktree at that snapshot) in a 10 000-file repository with
// a few uncommitted changes, warm (a reused worktree) and cold (the first task: git worktree add);
// apply_ms, a 100-file change set merged onto a working tree where the user edited other lines.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyChangeSet } from '../../../host/isolation/apply';
import { collectChangeSet } from '../../../host/isolation/changeSet';
import { takeSnapshot } from '../../../host/isolation/snapshot';
import { WorktreePool } from '../../../host/isolation/worktrees';
import { onCleanup } from '../lib/cleanup';
import type { Figure, Mode } from '../lib/figure';
import { fmt, median, round } from '../lib/stats';

const g = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'b',
      GIT_AUTHOR_EMAIL: 'b@b',
      GIT_COMMITTER_NAME: 'b',
      GIT_COMMITTER_EMAIL: 'b@b',
    },
  });
const text = (i: number) => Array.from({ length: 40 }, (_, l) => `file ${i} line ${l}`).join('\n') + '\n';

export async function isolationFigures(m: Mode): Promise<Figure[]> {
  const root = mkdtempSync(join(tmpdir(), 'agbg-bench-iso-'));
  onCleanup(() => rmSync(root, { recursive: true, force: true }));
  const ws = join(root, 'ws');
  const n = m.quick ? 2000 : 10_000;
  for (let i = 0; i < n; i++) {
    const dir = join(ws, `d${i % 100}`);
    if (i < 100) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i}.txt`), text(i));
  }
  g(ws, 'init', '-q');
  g(ws, 'add', '-A');
  g(ws, 'commit', '-q', '-m', 'bench');
  const pool = new WorktreePool(ws, join(root, 'wt'), [], 1);
  const setup = async (id: string) => {
    writeFileSync(join(ws, 'd1', 'f1.txt'), `${text(1)}edit ${id}\n`); // a user edit per task
    writeFileSync(join(ws, `untracked-${id}.txt`), id);
    const t0 = performance.now();
    const lease = await pool.acquire(await takeSnapshot(ws, id));
    const ms = performance.now() - t0;
    return { ms, lease };
  };
  const cold = await setup('cold');
  await pool.release(cold.lease.path);
  const warm: number[] = [];
  for (let i = 0; i < (m.quick ? 2 : 7); i++) {
    const r = await setup(`warm${i}`);
    warm.push(r.ms);
    await pool.release(r.lease.path);
  }
  m.log(
    `worktree setup: cold ${cold.ms.toFixed(0)} ms, warm ${warm.map((x) => x.toFixed(0)).join(' ')} ms (${n} files)`,
  );

  // apply: the agent edits line 3 of 100 files, the user line 30 of the same files
  const { lease } = await setup('apply');
  const files = Array.from({ length: 100 }, (_, i) => i * 7);
  for (const i of files)
    writeFileSync(join(lease.path, `d${i % 100}`, `f${i}.txt`), text(i).replace(`file ${i} line 3\n`, 'agent\n'));
  const cs = await collectChangeSet(lease.path, lease.snapshot, 'apply');
  for (const i of files)
    writeFileSync(join(ws, `d${i % 100}`, `f${i}.txt`), text(i).replace(`file ${i} line 30\n`, 'user\n'));
  const t0 = performance.now();
  const r = await applyChangeSet(ws, cs);
  const applyMs = performance.now() - t0;
  await pool.remove(lease.path);
  await pool.close();
  const p50 = round(median(warm), 0);
  return [
    {
      key: 'worktree_setup_ms',
      value: p50,
      measured: `${fmt(p50)} ms p50 snapshot + worktree, warm (${n} files)`,
      baseline: `${fmt(cold.ms)} ms cold (git worktree add)`,
      goal: { op: '<=', limit: 300 },
      detail: { warm, cold: cold.ms, files: n },
    },
    {
      key: 'apply_ms',
      value: round(applyMs, 0),
      measured: `${fmt(applyMs)} ms, ${r.applied.length} files merged 3-way`,
      baseline: `${r.conflicts.length} conflicts`,
      detail: { applied: r.applied.length, conflicts: r.conflicts.length },
    },
  ];
}

// What a save means, decided by the real host for every client: a save reported by a client
// (workspace/didSave, or `agentic-bg saved`), a file written by another process (plain write, and
// write-temp + rename as Vim and JetBrains save) while the host watches, the same save seen both
// ways, a `git checkout` of 2 000 files, .gitignore, and bad reports.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { HostStatus, TaskInfo } from '../../common/model';
import * as P from '../../common/protocol';
import { AGENTS, cleanup, cli, connect, makeWorkspace, yaml } from './helpers';
import { until } from '../support/wait';

const made: string[] = [];
after(async () => {
  for (const w of made) await cleanup(w);
});

function ws(config: string, files: Record<string, string> = {}): string {
  const w = makeWorkspace(config, files);
  made.push(w);
  return w;
}

// record.js writes runs.log into the workspace: the triggers name src/ only, so that write (which
// the watcher sees) triggers nothing
const config = (extra = '') =>
  yaml(`
background:
  max_concurrent_agents: 4
${extra}  agents:
    rec:
      command: ["${process.execPath}", "${AGENTS}/record.js"]
      concurrency: 4
    recb:
      command: ["${process.execPath}", "${AGENTS}/record.js"]
      batch: true
  triggers:
    - { on: save, files: "src/**", agent: rec, task: lint, debounce: 200ms }
    - { on: save, files: "src/**/*.batch", agent: recb, task: all, debounce: 200ms }
`);

async function status(w: string): Promise<HostStatus> {
  const c = await connect(w);
  try {
    return await c.request(P.StatusRequest.type, {});
  } finally {
    c.close();
  }
}

async function allTasks(w: string): Promise<TaskInfo[]> {
  const c = await connect(w);
  try {
    return (await c.request(P.ListTasksRequest.type, { limit: 10_000 })).tasks;
  } finally {
    c.close();
  }
}

/** Waits until the host has taken `saves` saves (and `repeats` repeats), submitted them, and is idle. */
async function settled(w: string, want: { saves: number; repeats?: number }, timeoutMs = 30_000): Promise<TaskInfo[]> {
  await until(
    async () => {
      const s = await status(w);
      const c = s.saves!;
      const q = s.queue;
      return (
        c.saves >= want.saves &&
        c.repeats >= (want.repeats ?? 0) &&
        // every window closed: what was taken has become tasks, and they have run
        c.pending === 0 &&
        q.queued + q.running + q.retrying === 0
      );
    },
    timeoutMs,
    `${want.saves} save(s) taken and run`,
  );
  return allTasks(w);
}

const filesOf = (ts: TaskInfo[], agent: string) => ts.filter((t) => t.agent === agent).map((t) => t.files.join(','));

describe('saves reported by a client', () => {
  it('a reported save runs the matching trigger once; paths outside the workspace are refused', async () => {
    const w = ws(config(), { 'src/a.ts': 'a\n', 'other.md': 'x\n' });
    assert.equal((await cli(w, ['start'])).code, 0);
    const c = await connect(w);
    try {
      // bad reports first: each is logged, none crashes the host or queues anything
      await c.notify(P.DidSaveNotification.type, { files: ['/etc/passwd', '../outside.ts'] });
      await c.notify(P.DidSaveNotification.type, { files: 'src/a.ts' } as unknown as P.DidSaveNotification.Params);
      await c.notify(P.DidSaveNotification.type, { files: ['src/missing.ts', 'other.md'] });
      // relative and absolute paths both name the workspace's file
      await c.notify(P.DidSaveNotification.type, { files: ['src/a.ts', join(w, 'src', 'a.ts')] });
    } finally {
      c.close();
    }
    const ts = await settled(w, { saves: 1, repeats: 1 });
    assert.deepEqual(filesOf(ts, 'rec'), ['src/a.ts']);
    assert.equal(ts.length, 1);
    assert.equal(ts[0]!.source, 'save');
    const log = readFileSync(join(w, '.agentic', 'logs', 'host.log'), 'utf8');
    assert.match(log, /a saved file outside the workspace is ignored.*"file":"\/etc\/passwd"/);
    assert.match(log, /a saved file outside the workspace is ignored.*"file":"\.\.\/outside\.ts"/);
    assert.match(log, /workspace\/didSave: `files` must be an array of paths/);
    assert.equal((await status(w)).health, 'ok');
  });

  it('`agentic-bg saved FILE…` reports saves for an editor hook; skipAgents leaves a denied agent out', async () => {
    const w = ws(config(), { 'src/b.ts': 'b\n', 'src/x.batch': 'x\n' });
    assert.equal((await cli(w, ['start'])).code, 0);
    assert.equal((await cli(w, ['saved', join(w, 'src/b.ts')])).code, 0);
    let ts = await settled(w, { saves: 1 });
    assert.deepEqual(filesOf(ts, 'rec'), ['src/b.ts']);
    const c = await connect(w);
    try {
      await c.notify(P.DidSaveNotification.type, { files: ['src/x.batch'], skipAgents: ['rec'] });
      const m = await c.request(P.MatchTriggersRequest.type, { file: join(w, 'src/x.batch') });
      assert.deepEqual(m, {
        file: 'src/x.batch',
        targets: [
          { agent: 'rec', task: 'lint' },
          { agent: 'recb', task: 'all' },
        ],
      });
      await assert.rejects(c.request(P.MatchTriggersRequest.type, { file: '/etc/hosts' }), /outside the workspace/);
    } finally {
      c.close();
    }
    ts = await settled(w, { saves: 2 });
    assert.deepEqual(filesOf(ts, 'recb'), ['src/x.batch']);
    assert.deepEqual(filesOf(ts, 'rec'), ['src/b.ts'], 'rec was skipped for the second save');
    const usage = await cli(w, ['saved']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /saved needs the files that were saved/);
    const outside = await cli(w, ['saved', '/etc/hosts']);
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /not in the workspace .*: \/etc\/hosts/);
  });
});

describe('the host watches the workspace (background.watch: true)', () => {
  it('a plain write, a write-temp + rename, and a save also reported by a client each run once', async () => {
    const w = ws(config('  watch: true\n'), {
      'src/a.ts': 'a\n',
      'src/b.ts': 'b\n',
      'src/c.ts': 'c\n',
      'src/gen/keep.ts': 'generated\n',
      '.gitignore': 'src/gen/\n',
    });
    assert.equal((await cli(w, ['start'])).code, 0);
    assert.deepEqual((await status(w)).watch, { active: true });

    // another process writes the file
    writeFileSync(join(w, 'src/a.ts'), 'a2\n');
    let ts = await settled(w, { saves: 1 });
    assert.deepEqual(filesOf(ts, 'rec'), ['src/a.ts']);

    // Vim / JetBrains: write a temporary file, rename it over the original
    writeFileSync(join(w, 'src/b.ts.tmp'), 'b2\n');
    renameSync(join(w, 'src/b.ts.tmp'), join(w, 'src/b.ts'));
    ts = await settled(w, { saves: 2 });
    assert.deepEqual(filesOf(ts, 'rec').sort(), ['src/a.ts', 'src/b.ts']);

    // a client (VS Code) reports the save the watcher sees too: one run
    writeFileSync(join(w, 'src/c.ts'), 'c2\n');
    const c = await connect(w);
    try {
      await c.notify(P.DidSaveNotification.type, { files: ['src/c.ts'] });
    } finally {
      c.close();
    }
    ts = await settled(w, { saves: 3, repeats: 1 });
    assert.deepEqual(filesOf(ts, 'rec').sort(), ['src/a.ts', 'src/b.ts', 'src/c.ts']);

    // a .gitignored file triggers nothing: written before a file that does, both seen in order
    writeFileSync(join(w, 'src/gen/out.ts'), 'generated\n');
    writeFileSync(join(w, 'src/a.ts'), 'a3\n');
    ts = await settled(w, { saves: 4 });
    assert.deepEqual(filesOf(ts, 'rec').sort(), ['src/a.ts', 'src/a.ts', 'src/b.ts', 'src/c.ts']);

    // a new directory with a file written at once (before any watch on it could exist)
    mkdirSync(join(w, 'src/new/deep'), { recursive: true });
    writeFileSync(join(w, 'src/new/deep/n.ts'), 'n\n');
    ts = await settled(w, { saves: 5 });
    assert.deepEqual(filesOf(ts, 'rec').sort(), ['src/a.ts', 'src/a.ts', 'src/b.ts', 'src/c.ts', 'src/new/deep/n.ts']);

    // a directory moved in whole (unpacked elsewhere, then mv): its files have no events of their own
    const outside = mkdtempSync(join(tmpdir(), 'agbg-moved-'));
    mkdirSync(join(outside, 'pkg', 'lib'), { recursive: true });
    writeFileSync(join(outside, 'pkg', 'lib', 'm.ts'), 'm\n');
    renameSync(join(outside, 'pkg'), join(w, 'src', 'pkg'));
    rmSync(outside, { recursive: true });
    ts = await settled(w, { saves: 6 });
    assert.ok(filesOf(ts, 'rec').includes('src/pkg/lib/m.ts'), JSON.stringify(filesOf(ts, 'rec')));
    const s = (await status(w)).saves!;
    // six saves taken; at least the reported one dropped as a repeat (the watcher may see one write
    // as two events too: the second is a repeat as well, never a save of its own)
    assert.equal(s.saves, 6, JSON.stringify(s));
    assert.ok(s.repeats >= 1, JSON.stringify(s));
  });

  it('a `git checkout` that changes 2 000 files gives at most one task per agent (`start --watch`)', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 2000; i++) files[`src/m${Math.floor(i / 100)}/f${i}.${i % 2 ? 'ts' : 'batch'}`] = 'v1\n';
    const w = ws(config(), files);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: w, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '-A');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '-m', 'v1');
    git('checkout', '-q', '-b', 'next');
    for (const f of Object.keys(files)) writeFileSync(join(w, f), 'v2\n');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '-a', '-m', 'v2');
    git('checkout', '-q', 'main');

    assert.equal((await cli(w, ['start', '--watch'])).code, 0);
    assert.deepEqual((await status(w)).watch, { active: true });
    git('checkout', '-q', 'next');
    const ts = await settled(w, { saves: 2000 }, 60_000);
    const rec = ts.filter((t) => t.agent === 'rec');
    const recb = ts.filter((t) => t.agent === 'recb');
    assert.equal(rec.length, 1, `rec: ${rec.map((t) => t.files.length).join(', ')}`);
    assert.equal(recb.length, 1, `recb: ${recb.map((t) => t.files.length).join(', ')}`);
    assert.equal(rec[0]!.files.length, 2000);
    assert.equal(recb[0]!.files.length, 1000);
    assert.ok(
      ts.every((t) => t.state === 'succeeded'),
      JSON.stringify(ts.map((t) => t.state)),
    );
  });
});

// Write-agent isolation on real git repositories: the snapshot holds the user's uncommitted and
// untracked work without touching their index, stash, HEAD or files; worktrees are set up from it,
// reused and cleaned up; the change set records every kind of change; applying it is a 3-way merge
// that keeps the user's later edits and leaves a conflicting file exactly as the user has it.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  renameSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyChangeSet } from '../../host/isolation/apply';
import { changeSetDiff, collectChangeSet } from '../../host/isolation/changeSet';
import { NotARepositoryError, takeSnapshot } from '../../host/isolation/snapshot';
import { WorktreePool } from '../../host/isolation/worktrees';

const roots: string[] = [];
after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

const g = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  });

const lines = (n: number, tag = 'line') => Array.from({ length: n }, (_, i) => `${tag} ${i + 1}`).join('\n') + '\n';

function repo(files: Record<string, string>): { ws: string; cache: string } {
  const root = mkdtempSync(join(tmpdir(), 'agbg-iso-'));
  roots.push(root);
  const ws = join(root, 'ws');
  mkdirSync(ws);
  g(ws, 'init', '-q', '-b', 'main');
  for (const [f, t] of Object.entries(files)) {
    mkdirSync(join(ws, f, '..'), { recursive: true });
    writeFileSync(join(ws, f), t);
  }
  g(ws, 'add', '-A');
  g(ws, 'commit', '-q', '-m', 'initial');
  return { ws, cache: join(root, 'cache') };
}

/** what the user owns in git: must be byte-identical before and after a snapshot */
function userState(ws: string) {
  return {
    status: g(ws, 'status', '--porcelain=v2', '--branch', '--untracked-files=all'),
    stash: g(ws, 'stash', 'list'),
    head: g(ws, 'rev-parse', 'HEAD'),
    branches: g(ws, 'for-each-ref', 'refs/heads', 'refs/stash'),
    index: readFileSync(join(ws, '.git', 'index')),
  };
}

describe('write-agent isolation', () => {
  it('the snapshot holds uncommitted and untracked work and changes nothing the user owns', async () => {
    const { ws, cache } = repo({ 'a.txt': lines(5), 'src/b.txt': 'b\n', '.gitignore': 'node_modules/\n*.log\n' });
    writeFileSync(join(ws, 'a.txt'), lines(5) + 'uncommitted\n');
    writeFileSync(join(ws, 'staged.txt'), 'staged\n');
    g(ws, 'add', 'staged.txt');
    writeFileSync(join(ws, 'new.txt'), 'untracked\n');
    writeFileSync(join(ws, 'debug.log'), 'ignored\n');
    mkdirSync(join(ws, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(join(ws, 'node_modules', 'dep', 'index.js'), 'module.exports = 1;\n');
    unlinkSync(join(ws, 'src/b.txt'));
    const before = userState(ws);

    const snap = await takeSnapshot(ws, 't1');
    assert.deepEqual(userState(ws), before, 'status, stash, HEAD, branches and the index file are unchanged');

    const pool = new WorktreePool(snap.top, join(cache, 'wt'));
    const lease = await pool.acquire(snap);
    assert.equal(readFileSync(join(lease.cwd, 'a.txt'), 'utf8'), lines(5) + 'uncommitted\n');
    assert.equal(readFileSync(join(lease.cwd, 'staged.txt'), 'utf8'), 'staged\n');
    assert.equal(readFileSync(join(lease.cwd, 'new.txt'), 'utf8'), 'untracked\n');
    assert.equal(existsSync(join(lease.cwd, 'src/b.txt')), false, 'a deletion is part of the snapshot');
    assert.equal(existsSync(join(lease.cwd, 'debug.log')), false, 'ignored files are not');
    assert.ok(lstatSync(join(lease.cwd, 'node_modules')).isSymbolicLink(), 'ignored dependencies are linked in');
    assert.equal(readFileSync(join(lease.cwd, 'node_modules/dep/index.js'), 'utf8'), 'module.exports = 1;\n');
    assert.deepEqual(userState(ws), before);
    await pool.remove(lease.path);
    assert.deepEqual(await pool.listOurs(), []);
  });

  it('the change set records modified, added, deleted, renamed, binary and mode changes', async () => {
    const { ws, cache } = repo({
      'm.txt': lines(10),
      'd.txt': 'gone\n',
      'r-old.txt': lines(20, 'keep'),
      'x.sh': 'echo\n',
    });
    const snap = await takeSnapshot(ws, 't2');
    const pool = new WorktreePool(snap.top, join(cache, 'wt'));
    const { path } = await pool.acquire(snap);
    writeFileSync(join(path, 'm.txt'), lines(10).replace('line 3\n', 'line three\n'));
    writeFileSync(join(path, 'add.txt'), 'new\nfile\n');
    unlinkSync(join(path, 'd.txt'));
    renameSync(join(path, 'r-old.txt'), join(path, 'r-new.txt'));
    writeFileSync(join(path, 'img.bin'), Buffer.from([0, 1, 2, 3, 0, 255]));
    chmodSync(join(path, 'x.sh'), 0o755);
    const cs = await collectChangeSet(path, snap, 't2');
    const by = Object.fromEntries(cs.files.map((f) => [f.path, f]));
    assert.equal(by['m.txt']?.status, 'modified');
    assert.deepEqual([by['m.txt']?.added, by['m.txt']?.removed], [1, 1]);
    assert.equal(by['add.txt']?.status, 'added');
    assert.equal(by['d.txt']?.status, 'deleted');
    assert.equal(by['r-new.txt']?.status, 'renamed');
    assert.equal(by['r-new.txt']?.from, 'r-old.txt');
    assert.equal(by['img.bin']?.added, null, 'binary: no line counts');
    assert.deepEqual([by['x.sh']?.oldMode, by['x.sh']?.newMode], ['100644', '100755']);
    assert.deepEqual(cs.summary, { files: 6, added: 3, removed: 2, binary: 1 }); // m +1 -1, add +2, d -1; a pure rename counts none
    assert.match(await changeSetDiff(snap.top, cs, ['m.txt']), /^-line 3\n\+line three$/m);
    // the working tree saw none of it
    assert.equal(readFileSync(join(ws, 'm.txt'), 'utf8'), lines(10));
    assert.ok(existsSync(join(ws, 'd.txt')) && !existsSync(join(ws, 'add.txt')));
    await pool.close();
    await pool.remove(path);
  });

  it('apply merges the agent edits with the user edits made since; an overlap is a conflict that leaves the file as is', async () => {
    const { ws, cache } = repo({ 'f.txt': lines(30), 'g.txt': lines(10), 'h.txt': 'same\n', 'x.sh': 'run\n' });
    const snap = await takeSnapshot(ws, 't3');
    const pool = new WorktreePool(snap.top, join(cache, 'wt'));
    const { path } = await pool.acquire(snap);
    // the agent: line 2 of f, line 5 of g, deletes h, adds n, makes x.sh executable
    writeFileSync(join(path, 'f.txt'), lines(30).replace('line 2\n', 'agent 2\n'));
    writeFileSync(join(path, 'g.txt'), lines(10).replace('line 5\n', 'agent 5\n'));
    unlinkSync(join(path, 'h.txt'));
    writeFileSync(join(path, 'n.txt'), 'from the agent\n');
    chmodSync(join(path, 'x.sh'), 0o755);
    const cs = await collectChangeSet(path, snap, 't3');
    // meanwhile the user: line 25 of f (no overlap), line 5 of g (overlap)
    writeFileSync(join(ws, 'f.txt'), lines(30).replace('line 25\n', 'user 25\n'));
    const userG = lines(10).replace('line 5\n', 'user 5\n');
    writeFileSync(join(ws, 'g.txt'), userG);
    const r = await applyChangeSet(snap.top, cs);
    assert.equal(
      readFileSync(join(ws, 'f.txt'), 'utf8'),
      lines(30).replace('line 2\n', 'agent 2\n').replace('line 25\n', 'user 25\n'),
    );
    assert.equal(readFileSync(join(ws, 'g.txt'), 'utf8'), userG, 'the conflicting file is exactly as the user has it');
    assert.deepEqual(
      r.conflicts.map((c) => [c.path, c.hunks]),
      [['g.txt', 1]],
    );
    assert.match(
      r.conflicts[0]!.merged!,
      /<<<<<<< yours\nuser 5\n\|\|\|\|\|\|\| snapshot\nline 5\n=======\nagent 5\n>>>>>>> agent/,
    );
    assert.equal(existsSync(join(ws, 'h.txt')), false);
    assert.equal(readFileSync(join(ws, 'n.txt'), 'utf8'), 'from the agent\n');
    assert.equal(statSync(join(ws, 'x.sh')).mode & 0o777, 0o755);
    assert.deepEqual(r.applied.sort(), ['f.txt', 'h.txt', 'n.txt', 'x.sh']);
    await pool.remove(path);
  });

  it('a worktree is reused for the next snapshot, touching only what differs, and recover() removes unknown ones', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 200; i++) files[`f${i}.txt`] = `${i}\n`;
    const { ws, cache } = repo(files);
    const pool = new WorktreePool(ws, join(cache, 'wt'));
    const a = await pool.acquire(await takeSnapshot(ws, 'a'));
    const untouched = statSync(join(a.path, 'f1.txt')).mtimeMs;
    writeFileSync(join(a.path, 'scratch.txt'), 'left by the agent\n');
    await pool.release(a.path);
    writeFileSync(join(ws, 'f0.txt'), 'changed by the user\n');
    const b = await pool.acquire(await takeSnapshot(ws, 'b'));
    assert.equal(b.path, a.path);
    assert.equal(b.reused, true);
    assert.equal(readFileSync(join(b.path, 'f0.txt'), 'utf8'), 'changed by the user\n');
    assert.equal(existsSync(join(b.path, 'scratch.txt')), false, "the last task's leftovers are gone");
    assert.equal(statSync(join(b.path, 'f1.txt')).mtimeMs, untouched, 'an unchanged file is not rewritten');
    // a new pool (a host restart) that knows none of them removes them
    const fresh = new WorktreePool(ws, join(cache, 'wt'));
    assert.deepEqual(await fresh.recover(new Set()), [b.path]);
    assert.deepEqual(await fresh.listOurs(), []);
    assert.equal(g(ws, 'worktree', 'list').trim().split('\n').length, 1);
  });

  it('a workspace that is not a git repository is refused with the choice it has', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agbg-norepo-'));
    roots.push(dir);
    await assert.rejects(takeSnapshot(dir, 'x'), (e: unknown) => {
      assert.ok(e instanceof NotARepositoryError);
      assert.match(e.message, /not a git repository.*git init.*isolation: none/s);
      return true;
    });
  });

  it('a repository without commits can be snapshot too', async () => {
    const root = mkdtempSync(join(tmpdir(), 'agbg-iso-'));
    roots.push(root);
    g(root, 'init', '-q');
    writeFileSync(join(root, 'only.txt'), 'x\n');
    symlinkSync('only.txt', join(root, 'link'));
    const snap = await takeSnapshot(root, 'empty');
    assert.equal(snap.head, null);
    const pool = new WorktreePool(snap.top, join(root, '..', `${root.split('/').pop()}-wt`));
    roots.push(pool.base);
    const l = await pool.acquire(snap);
    assert.equal(readFileSync(join(l.path, 'only.txt'), 'utf8'), 'x\n');
    assert.ok(lstatSync(join(l.path, 'link')).isSymbolicLink());
    await pool.remove(l.path);
  });
});

// `agentic-bg submit --file`: how arguments become the task's files, on a real temp tree with
// symlinks (a loop, a way out, a dangling one), an empty directory and the skipped directories.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UsageError } from '../../host/cli/args';
import { resolveFileArgs } from '../../host/cli/files';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'agbg-clifiles-')));
const ws = join(base, 'ws');
const outside = join(base, 'outside');
for (const d of ['src/deep', 'src/.agentic', 'src/.hg', 'empty', 'only-skipped/node_modules/x'])
  mkdirSync(join(ws, d), { recursive: true });
mkdirSync(outside);
writeFileSync(join(ws, 'src', 'z.ts'), '');
writeFileSync(join(ws, 'src', 'a.ts'), '');
writeFileSync(join(ws, 'src', 'deep', 'b.ts'), '');
writeFileSync(join(ws, 'src', '.agentic', 'queue.jsonl'), '');
writeFileSync(join(ws, 'src', '.hg', 'store'), '');
writeFileSync(join(ws, 'only-skipped', 'node_modules', 'x', 'i.js'), '');
writeFileSync(join(outside, 'secret'), '');
symlinkSync(join(ws, 'src'), join(ws, 'src', 'deep', 'loop')); // a directory symlink: never followed
symlinkSync(join(ws, 'src', 'a.ts'), join(ws, 'src', 'deep', 'same.ts')); // a file symlink inside: taken
symlinkSync(join(ws, 'gone'), join(ws, 'dangling'));
after(() => rmSync(base, { recursive: true, force: true }));

const opts = { workspace: ws, allowOutside: false };
const usage = (re: RegExp) => (e: unknown) => e instanceof UsageError && re.test(e.message);

describe('resolveFileArgs', () => {
  it('expands a directory depth first in name order, skipping VCS, tool and host trees and directory symlinks', async () => {
    assert.deepEqual(await resolveFileArgs(['src/'], opts), [
      'src/a.ts',
      'src/deep/b.ts',
      'src/deep/same.ts',
      'src/z.ts',
    ]);
  });
  it('keeps the first mention of a file once, and takes absolute paths inside as workspace-relative', async () => {
    assert.deepEqual(await resolveFileArgs(['src/z.ts', join(ws, 'src', 'z.ts'), './src/z.ts'], opts), ['src/z.ts']);
  });
  it('refuses a directory with nothing to take, a dangling symlink and a path through a file', async () => {
    await assert.rejects(resolveFileArgs(['empty'], opts), usage(/^--file empty: no files below this directory$/));
    await assert.rejects(resolveFileArgs(['only-skipped'], opts), usage(/no files below this directory/));
    await assert.rejects(resolveFileArgs(['dangling'], opts), usage(/^--file dangling: ENOENT/));
    await assert.rejects(
      resolveFileArgs(['src/a.ts/x'], opts),
      usage(/^--file src\/a\.ts\/x: no such file or directory/),
    );
    await assert.rejects(resolveFileArgs([''], opts), usage(/an empty file name/));
  });
  it('outside: refused by default, given as an absolute path when allowed', async () => {
    const secret = join(outside, 'secret');
    await assert.rejects(resolveFileArgs(['../outside/secret'], opts), usage(/is outside the workspace/));
    assert.deepEqual(await resolveFileArgs(['../outside/secret'], { ...opts, allowOutside: true }), [secret]);
  });
  it('errors are named by the caller', async () => {
    await assert.rejects(
      resolveFileArgs(['nope'], { ...opts, label: (f) => `batch.jsonl:3: file ${f}` }),
      usage(/^batch\.jsonl:3: file nope: no such file or directory/),
    );
  });
});

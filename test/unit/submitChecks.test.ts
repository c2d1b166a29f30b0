// The checks and pure pieces behind issue #11: sizes of a submitted item, files inside the
// workspace (real symlinks in a temp dir), the task JSON going by file above the inline limit,
// the E2BIG detail, too_large never retried, and a tasks/wait waiter removed on abort.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveConfig } from '../../common/configSchema';
import type { TaskInfo } from '../../common/model';
import { checkSubmitItem, SUBMIT_LIMITS } from '../../common/submitLimits';
import { measureExec, tooLargeDetail } from '../../host/agents/execSize';
import { INLINE_TASK_BYTES, taskEnv, taskPayload } from '../../host/agents/taskPayload';
import { classifyOutcome } from '../../host/queue/outcome';
import { TaskWaiters } from '../../host/queue/waiters';
import { checkFileInside, checkSubmit, isInside } from '../../host/submitCheck';

const task = (over: Partial<TaskInfo> = {}): TaskInfo => ({
  id: 't1',
  agent: 'a',
  task: 'lint',
  state: 'running',
  priority: 'medium',
  key: 'k',
  files: [],
  attempts: 1,
  maxAttempts: 4,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('checkSubmitItem', () => {
  const item = { agent: 'a', task: 't' };
  it('accepts a 3000-file Save All batch and modest params', () => {
    const files = Array.from({ length: 3000 }, (_, i) => `src/components/widget-${i}.tsx`);
    assert.equal(checkSubmitItem({ ...item, files, params: { fix: true, note: 'x'.repeat(1000) } }), undefined);
  });
  it('names what is over its limit', () => {
    assert.match(
      checkSubmitItem({ ...item, files: Array.from({ length: SUBMIT_LIMITS.maxFiles + 1 }, (_, i) => `f${i}`) })!,
      /^files: 10001 files in one task, more than the limit of 10000; split the task$/,
    );
    assert.match(
      checkSubmitItem({ ...item, files: ['ok', 'é'.repeat(2049)] })!,
      /^files\[1\] is a name of 4098 bytes, more than the limit of 4096$/,
    );
    assert.match(
      checkSubmitItem({ ...item, files: Array.from({ length: 600 }, (_, i) => `${i}`.padEnd(4000, 'x')) })!,
      /^files: the names add up to 2\.3 MiB, more than the limit of 2\.0 MiB/,
    );
    assert.match(
      checkSubmitItem({ ...item, params: { blob: 'x'.repeat(SUBMIT_LIMITS.maxParamsBytes) } })!,
      /^params: 65 KiB as JSON, more than the limit of 64 KiB/,
    );
  });
  it('names a malformed file list or params', () => {
    assert.equal(
      checkSubmitItem({ ...item, files: 'a.ts' as unknown as string[] }),
      'files must be an array of strings',
    );
    assert.equal(checkSubmitItem({ ...item, files: ['a', ''] }), 'files[1] must be a non-empty string');
    assert.equal(checkSubmitItem({ ...item, files: ['a\0b'] }), 'files[0] contains a NUL character');
    assert.equal(
      checkSubmitItem({ ...item, params: [1] as unknown as Record<string, unknown> }),
      'params must be a JSON object',
    );
  });
});

describe('files inside the workspace', () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'agbg-inside-')));
  const ws = join(base, 'ws');
  const outside = join(base, 'outside');
  mkdirSync(join(ws, 'src'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(ws, 'src', 'a.ts'), '');
  writeFileSync(join(outside, 'secret'), '');
  symlinkSync(join(outside, 'secret'), join(ws, 'src', 'leak'));
  symlinkSync(outside, join(ws, 'out'));
  symlinkSync(join(ws, 'src'), join(ws, 'alias'));
  after(() => rmSync(base, { recursive: true, force: true }));

  it('isInside compares path segments, not prefixes', () => {
    assert.equal(isInside('/w/ws', '/w/ws'), true);
    assert.equal(isInside('/w/ws', '/w/ws/a'), true);
    assert.equal(isInside('/w/ws', '/w/ws2/a'), false);
    assert.equal(isInside('/w/ws', '/w'), false);
    assert.equal(isInside('/w/ws', '/w/ws/..foo'), true);
  });

  it('accepts files inside, existing or not, also through a symlink that stays inside', async () => {
    for (const f of ['src/a.ts', 'src/new.ts', 'alias/a.ts', join(ws, 'src', 'a.ts'), 'not/yet/there.ts'])
      assert.equal(await checkFileInside(ws, f), undefined, f);
  });

  it('refuses a path out, an absolute path elsewhere, a symlink out (to a file, through a directory, not yet existing) and ..', async () => {
    assert.equal(
      await checkFileInside(ws, '../outside/secret'),
      `file ../outside/secret is outside the workspace ${ws}`,
    );
    assert.equal(await checkFileInside(ws, '/etc/passwd'), `file /etc/passwd is outside the workspace ${ws}`);
    assert.equal(
      await checkFileInside(ws, 'src/leak'),
      `file src/leak is outside the workspace ${ws} (it resolves to ${join(outside, 'secret')})`,
    );
    assert.match((await checkFileInside(ws, 'out/secret'))!, /it resolves to .*outside\/secret\)$/);
    assert.match((await checkFileInside(ws, 'out/new/file'))!, /it resolves to .*outside\/new\/file\)$/);
    assert.equal(
      await checkFileInside(ws, 'out/../src/a.ts'),
      'file out/../src/a.ts contains a ".." segment; name it without one',
    );
  });

  it('checkSubmit: sizes first, then files; allowOutside skips only the files', async () => {
    assert.match(
      (await checkSubmit(ws, { agent: 'a', task: 't', files: ['src/leak', 'out/secret', 'src/a.ts'] }))!,
      /src\/leak is outside .* \(and 1 more file\(s\) outside the workspace\)$/,
    );
    assert.equal(await checkSubmit(ws, { agent: 'a', task: 't', files: ['src/leak'], allowOutside: true }), undefined);
    assert.match(
      (await checkSubmit(ws, { agent: 'a', task: 't', files: [''], allowOutside: true }))!,
      /must be a non-empty string/,
    );
  });
});

describe('the task JSON by environment or by file', () => {
  it('stays in AGENTIC_TASK up to the inline limit', () => {
    const p = taskPayload(task({ files: ['a.ts'] }), 1, '/ws');
    const json = JSON.stringify(p);
    assert.deepEqual(taskEnv(p, json, '/logs/t1.task.json'), { env: { AGENTIC_TASK: json }, byFile: false });
  });
  it('goes by file above it; AGENTIC_TASK keeps a small reference without files or params', () => {
    const files = Array.from({ length: 3000 }, (_, i) => `src/components/widget-${i}.tsx`);
    const p = taskPayload(task({ files, params: { fix: true } }), 2, '/ws');
    const json = JSON.stringify(p);
    assert.ok(json.length > INLINE_TASK_BYTES);
    const r = taskEnv(p, json, '/logs/t1.task.json');
    assert.equal(r.byFile, true);
    assert.equal(r.env.AGENTIC_TASK_FILE, '/logs/t1.task.json');
    assert.deepEqual(JSON.parse(r.env.AGENTIC_TASK), {
      id: 't1',
      agent: 'a',
      task: 'lint',
      attempt: 2,
      workspace: '/ws',
      payloadFile: '/logs/t1.task.json',
      fileCount: 3000,
    });
  });
  it('measures UTF-8, not UTF-16: multi-byte names near the limit go by file', () => {
    const p = taskPayload(task({ files: ['é'.repeat(INLINE_TASK_BYTES / 2 - 20)] }), 1, '/ws');
    const json = JSON.stringify(p);
    assert.ok(json.length < INLINE_TASK_BYTES && Buffer.byteLength(json) > INLINE_TASK_BYTES);
    assert.equal(taskEnv(p, json, '/f').byFile, true);
  });
});

describe('E2BIG', () => {
  it('the detail says what was too large', () => {
    const s = measureExec(['echo', `files: ${'x'.repeat(140 * 1024)}`], { PATH: '/bin', HUGE: 'y'.repeat(200 * 1024) });
    assert.equal(s.argCount, 2);
    assert.equal(s.largestArgBytes, 140 * 1024 + 8);
    assert.equal(
      tooLargeDetail(s),
      'the agent cannot be started with this task: Linux refused 2 arguments of 141 KiB (the largest 141 KiB) and an environment of 201 KiB and HUGE alone 201 KiB (E2BIG; at most 128 KiB per argument and about 2 MiB in all)',
    );
  });
  it('too_large fails the task at once: retrying cannot help', () => {
    const cfg = resolveConfig({ background: { agents: { a: { command: ['x'] } } } });
    const v = classifyOutcome(
      task(),
      cfg.agents.a!,
      { exitCode: null, signal: null, findings: [], reason: 'too_large', detail: 'E2BIG' },
      undefined,
      cfg,
      () => 0.5,
      '2026-01-01T00:00:01.000Z',
    );
    assert.equal(v.state, 'failed');
    assert.equal(v.failed, true);
    assert.equal(v.patch.reason, 'too_large');
  });
});

describe('TaskWaiters', () => {
  it('an aborted wait is removed at once; the others are still settled', async () => {
    const w = new TaskWaiters();
    const t = task();
    const ac = new AbortController();
    const gone = w.wait('t1', undefined, () => t, ac.signal);
    const stays = w.wait('t1', undefined, () => t);
    assert.equal(w.size, 2);
    ac.abort('disconnected');
    assert.equal(w.size, 1);
    assert.equal(await gone, t);
    const done = { ...t, state: 'succeeded' as const };
    w.settle(done);
    assert.equal(await stays, done);
    assert.equal(w.size, 0);
  });
  it('an already aborted signal never registers; a settled wait lets go of its signal', async () => {
    const w = new TaskWaiters();
    const t = task();
    const ac = new AbortController();
    ac.abort();
    assert.equal(await w.wait('t1', undefined, () => t, ac.signal), t);
    assert.equal(w.size, 0);
    const ac2 = new AbortController();
    const p = w.wait('t1', 60_000, () => t, ac2.signal);
    w.settle(t);
    await p;
    ac2.abort(); // after the end: nothing to remove, nothing thrown
    assert.equal(w.size, 0);
  });
});

// What a save means, decided in the host (host/triggers/): trigger matching, debounce windows,
// batches and bursts, and one save seen twice. Pure, under fake time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BURST_FILES, SaveBatcher, toSubmitItems } from '../../host/triggers/saveBatcher';
import { SaveDedupe } from '../../host/triggers/saveDedupe';
import { neverTriggers, TriggerMatcher } from '../../host/triggers/triggerMatcher';
import { defaultKey } from '../../host/queue/priorityQueue';
import type { AgentConfig, TriggerConfig } from '../../common/configSchema';

const trig = (
  files: string[],
  agent: string,
  task = agent,
  debounceMs = 300,
  on: 'save' | 'manual' = 'save',
): TriggerConfig => ({ on, files, agent, task, debounceMs });
const agents: Record<string, Pick<AgentConfig, 'kind' | 'enabled'>> = {
  saa: { kind: 'builtin', enabled: true },
  lint: { kind: 'command', enabled: true },
  off: { kind: 'command', enabled: false },
  none: { kind: 'none', enabled: true },
};

test('triggers match by glob, one target per (agent, task), the shorter debounce wins', () => {
  const m = new TriggerMatcher(
    [
      trig(['src/**/*.ts'], 'lint', 'eslint', 500),
      trig(['**/*.ts'], 'lint', 'eslint', 200),
      trig(['**/*'], 'saa', 'security-audit'),
    ],
    agents,
    { builtinOnly: false },
  );
  const t = m.match('src/a/b.ts');
  assert.deepEqual(t.map((x) => [x.agent, x.task, x.debounceMs]).sort(), [
    ['lint', 'eslint', 200],
    ['saa', 'security-audit', 300],
  ]);
  assert.deepEqual(
    m.match('README.md').map((x) => x.agent),
    ['saa'],
  );
});

test('dotfiles match, .agentic/ never does, manual triggers and unusable agents are skipped', () => {
  const m = new TriggerMatcher(
    [trig(['**/*'], 'saa'), trig(['**/*'], 'off'), trig(['**/*'], 'none'), trig(['**/*'], 'lint', 'x', 300, 'manual')],
    agents,
    { builtinOnly: false },
  );
  assert.deepEqual(
    m.match('deploy/.env').map((x) => x.agent),
    ['saa'],
  );
  assert.deepEqual(m.match('.agentic/queue.jsonl'), []);
  assert.equal(m.size, 1);
});

test('an untrusted workspace matches built-in agents only', () => {
  const m = new TriggerMatcher([trig(['**/*'], 'saa'), trig(['**/*'], 'lint')], agents, { builtinOnly: true });
  assert.deepEqual(
    m.match('a.ts').map((x) => x.agent),
    ['saa'],
  );
});

test('a burst of saves closes one window debounce ms after the last save', () => {
  const b = new SaveBatcher();
  const t = { agent: 'saa', task: 'audit', debounceMs: 300 };
  for (let i = 0; i < 20; i++) b.add(t, 'src/a.py', 1000 + i * 100); // 20 saves in 2 s
  assert.equal(b.nextDue(), 1000 + 19 * 100 + 300);
  assert.deepEqual(b.takeDue(3199), []);
  const [w] = b.takeDue(3200);
  assert.deepEqual(w!.files, ['src/a.py']);
  assert.equal(b.size, 0);
  assert.equal(b.nextDue(), undefined);
});

test('a window never stays open longer than max(10 × debounce, 5 s)', () => {
  const b = new SaveBatcher();
  const t = { agent: 'saa', task: 'audit', debounceMs: 300 };
  for (let now = 0; now <= 6000; now += 200) b.add(t, 'f', now);
  assert.equal(b.nextDue(), 5000);
});

test('Save All of 50 files: one window, one task for a batch agent, 50 for another', () => {
  const b = new SaveBatcher();
  const lint = { agent: 'lint', task: 'eslint', debounceMs: 300 };
  const saa = { agent: 'saa', task: 'audit', debounceMs: 300 };
  const files = Array.from({ length: 50 }, (_, i) => `src/f${String(i).padStart(2, '0')}.ts`);
  files.forEach((f, i) => (b.add(lint, f, i), b.add(saa, f, i)));
  const due = b.takeDue(10_000);
  const items = toSubmitItems(due, (id) => id === 'lint');
  const lintItems = items.filter((i) => i.agent === 'lint');
  assert.equal(lintItems.length, 1);
  assert.equal(lintItems[0]!.files!.length, 50);
  assert.equal(items.filter((i) => i.agent === 'saa').length, 50);
});

test("items carry no key of their own: the scheduler's default key is the one coalescing key", () => {
  const [item] = toSubmitItems(
    [{ target: { agent: 'a', task: 't', debounceMs: 1, priority: 'high' }, files: ['x'], firstAt: 0, lastAt: 0 }],
    () => false,
  );
  assert.deepEqual(item, { agent: 'a', task: 't', files: ['x'], priority: 'high' });
  // so the same file saved twice, or saved and submitted from the CLI, has one key
  assert.equal(defaultKey('a', 't', ['x']), defaultKey(item!.agent, item!.task, item!.files!));
});

test('a burst of more than BURST_FILES files in one window is one task per (agent, task)', () => {
  const b = new SaveBatcher();
  const saa = { agent: 'saa', task: 'audit', debounceMs: 300 };
  const n = BURST_FILES + 1;
  for (let i = 0; i < 2000; i++) b.add(saa, `src/f${i}.ts`, i % 50); // a checkout: 2000 files in 50 ms
  const items = toSubmitItems(b.takeDue(10_000), () => false);
  assert.equal(items.length, 1);
  assert.equal(items[0]!.files!.length, 2000);
  assert.deepEqual(items[0]!.files, [...items[0]!.files!].sort());
  // at the threshold it is still one task per file
  const exactly = Array.from({ length: BURST_FILES }, (_, i) => `f${i}`);
  const atLimit = toSubmitItems([{ target: saa, files: exactly, firstAt: 0, lastAt: 0 }], () => false);
  assert.equal(atLimit.length, BURST_FILES);
  const over = toSubmitItems([{ target: saa, files: [...exactly, 'g'], firstAt: 0, lastAt: 0 }], () => false);
  assert.equal(over.length, 1);
  assert.equal(over[0]!.files!.length, n);
});

test("editors' scratch files, .git/, node_modules/ and .agentic/ never trigger", () => {
  for (const p of [
    '.agentic/queue.jsonl',
    '.git/index',
    'node_modules/x/index.js',
    'pkg/node_modules/y.js',
    'src/.a.ts.swp',
    'src/.a.ts.swx',
    'src/4913',
    'src/a.ts~',
    'src/.#a.ts',
    'src/#a.ts#',
    'src/a.ts.tmp',
    'src/a.ts___jb_tmp___',
    'src/a.ts___jb_old___',
  ])
    assert.equal(neverTriggers(p), true, p);
  for (const p of ['src/a.ts', '.env', 'deploy/.env', 'gitignore.md', 'src/node_modules_list.txt', 'tmp/x.ts'])
    assert.equal(neverTriggers(p), false, p);
});

test('one save reported twice (client and watcher) is taken once; a new write is taken again', () => {
  const d = new SaveDedupe();
  assert.equal(d.isRepeat('a.ts', '1000:5', 0, 5000), false); // the client's report
  assert.equal(d.isRepeat('a.ts', '1000:5', 40, 5000), true); // the watcher's event of the same write
  assert.equal(d.isRepeat('b.ts', '1000:5', 50, 5000), false); // another file, same signature
  assert.equal(d.isRepeat('a.ts', '1300:6', 300, 5000), false); // the next save
  assert.equal(d.isRepeat('a.ts', '1300:6', 5301, 5000), false); // outside the window: taken again
});

test('the dedupe map is pruned: a checkout of many files does not stay in memory', () => {
  const d = new SaveDedupe();
  for (let i = 0; i < 5000; i++) d.isRepeat(`f${i}`, 's', 0, 1000);
  d.isRepeat('late', 's', 2000, 1000);
  assert.equal(d.size, 1);
});

test('activity that may still become saves keeps a window open; a hold keeps it to its maxWait', () => {
  const b = new SaveBatcher();
  const t = { agent: 'saa', task: 'audit', debounceMs: 200 };
  b.add(t, 'src/a.ts', 0);
  b.touch(150); // the watcher read more events at 150 ms
  assert.equal(b.nextDue(), 350);
  assert.deepEqual(b.takeDue(300), []);
  // while saves are still being read (hold), only the maxWait closes a window
  assert.equal(b.nextDue(true), 5000);
  assert.deepEqual(b.takeDue(4999, true), []);
  assert.deepEqual(b.takeDue(5000, true)[0]!.files, ['src/a.ts']);
  // activity before a window opened does not delay it
  b.add(t, 'src/b.ts', 6000);
  assert.equal(b.nextDue(), 6200);
});

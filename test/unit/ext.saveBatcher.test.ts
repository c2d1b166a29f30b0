// On-save decisions of the extension (src/saveBatcher.ts), under fake time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SaveBatcher, saveKey, toSubmitItems, TriggerMatcher, type AgentMeta } from '../../src/saveBatcher';
import type { TriggerConfig } from '../../common/configSchema';

const trig = (
  files: string[],
  agent: string,
  task = agent,
  debounceMs = 300,
  on: 'save' | 'manual' = 'save',
): TriggerConfig => ({ on, files, agent, task, debounceMs });
const agents: AgentMeta[] = [
  { id: 'saa', batch: false, kind: 'builtin', enabled: true },
  { id: 'lint', batch: true, kind: 'command', enabled: true },
  { id: 'off', batch: false, kind: 'command', enabled: false },
  { id: 'none', batch: false, kind: 'none', enabled: true },
];

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

test('coalescing keys have the host default shape and ignore file order', () => {
  assert.equal(saveKey('a', 't', ['b', 'a', 'b']), JSON.stringify(['a', 't', ['a', 'b']]));
  const [item] = toSubmitItems(
    [{ target: { agent: 'a', task: 't', debounceMs: 1, priority: 'high' }, files: ['x'], firstAt: 0, lastAt: 0 }],
    () => false,
  );
  assert.deepEqual(item, { agent: 'a', task: 't', files: ['x'], key: saveKey('a', 't', ['x']), priority: 'high' });
});

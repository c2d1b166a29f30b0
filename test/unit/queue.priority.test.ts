import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Priority } from '../../common/model';
import { defaultKey, PriorityQueue, type DispatchContext, type QueueEntry } from '../../host/queue/priorityQueue';

function entry(id: string, priority: Priority, enqueuedAt = 0, agent = 'a', key = id): QueueEntry {
  return { id, agent, priority, key, enqueuedAt };
}

function ctx(now = 0, opts: { full?: string[]; running?: string[] } = {}): DispatchContext {
  const full = new Set(opts.full ?? []);
  const running = new Set(opts.running ?? []);
  return { now, agentHasCapacity: (a) => !full.has(a), isKeyRunning: (k) => running.has(k) };
}

function drain(q: PriorityQueue, c: DispatchContext): string[] {
  const out: string[] = [];
  for (let e = q.pop(c); e; e = q.pop(c)) out.push(e.id);
  return out;
}

describe('PriorityQueue', () => {
  it('orders high > medium > low, FIFO within a priority', () => {
    const q = new PriorityQueue();
    q.add(entry('l1', 'low'));
    q.add(entry('m1', 'medium'));
    q.add(entry('h1', 'high'));
    q.add(entry('l2', 'low'));
    q.add(entry('h2', 'high'));
    q.add(entry('m2', 'medium', 0, 'b'));
    assert.equal(q.size, 6);
    assert.deepEqual(drain(q, ctx()), ['h1', 'h2', 'm1', 'm2', 'l1', 'l2']);
    assert.equal(q.size, 0);
  });

  it('peek does not remove; pop does', () => {
    const q = new PriorityQueue();
    q.add(entry('x', 'low'));
    assert.equal(q.peek(ctx())?.id, 'x');
    assert.equal(q.size, 1);
    assert.equal(q.pop(ctx())?.id, 'x');
    assert.equal(q.peek(ctx()), undefined);
    assert.equal(q.pop(ctx()), undefined);
  });

  it('ages: each agingMs waited promotes one level, so a low task overtakes', () => {
    const q = new PriorityQueue({ agingMs: 1000 });
    q.add(entry('old-low', 'low', 0));
    q.add(entry('new-medium', 'medium', 1500));
    q.add(entry('new-high', 'high', 1900));
    // at 1900: low waited 1.9 s → one level up = medium; tie with new-medium broken by insertion order
    assert.deepEqual(
      [...q.entries(1900)].map((e) => e.id),
      ['new-high', 'old-low', 'new-medium'],
    );
    assert.equal(q.peek(ctx(1900))?.id, 'new-high');
    // at 2000: low waited 2 × agingMs → competes as high and is older than new-high
    assert.equal(q.peek(ctx(2000))?.id, 'old-low');
    assert.deepEqual(drain(q, ctx(2000)), ['old-low', 'new-high', 'new-medium']);
  });

  it('does not promote before agingMs or when the clock went back', () => {
    const q = new PriorityQueue({ agingMs: 1000 });
    q.add(entry('low', 'low', 5000));
    q.add(entry('medium', 'medium', 5000));
    assert.equal(q.peek(ctx(5999))?.id, 'medium');
    assert.equal(q.peek(ctx(0))?.id, 'medium');
  });

  it('low never starves under a steady stream of high tasks', () => {
    const q = new PriorityQueue({ agingMs: 100 });
    q.add(entry('starving', 'low', 0));
    let t = 0;
    let started: string | undefined;
    for (let i = 0; i < 1000 && started !== 'starving'; i++) {
      t += 10;
      q.add(entry(`h${i}`, 'high', t));
      started = q.pop(ctx(t))?.id;
    }
    assert.equal(started, 'starving');
    assert.ok(t <= 210, `low started only at t=${t}`);
  });

  it('skips agents without capacity instead of failing', () => {
    const q = new PriorityQueue();
    q.add(entry('a1', 'high', 0, 'a'));
    q.add(entry('a2', 'high', 0, 'a'));
    q.add(entry('b1', 'low', 0, 'b'));
    assert.equal(q.pop(ctx(0, { full: ['a'] }))?.id, 'b1');
    assert.equal(q.pop(ctx(0, { full: ['a'] })), undefined);
    assert.equal(q.countByAgent('a'), 2);
    assert.equal(q.countByAgent('b'), 0);
    assert.deepEqual(q.agents(), ['a']);
    assert.equal(q.pop(ctx(0))?.id, 'a1');
  });

  it('skips entries whose key is running, without blocking those behind them', () => {
    const q = new PriorityQueue();
    q.add(entry('k1', 'high', 0, 'a', 'K'));
    q.add(entry('other', 'high', 0, 'a', 'O'));
    q.add(entry('k-low', 'low', 0, 'b', 'K'));
    q.add(entry('m', 'medium', 0, 'b', 'M'));
    assert.deepEqual(drain(q, ctx(0, { running: ['K'] })), ['other', 'm']);
    assert.deepEqual(drain(q, ctx(0)), ['k1', 'k-low']);
  });

  it('removes by id from the middle, head and tail of a list', () => {
    const q = new PriorityQueue();
    for (const id of ['1', '2', '3', '4']) q.add(entry(id, 'medium'));
    assert.equal(q.remove('2'), true);
    assert.equal(q.remove('2'), false);
    assert.equal(q.remove('1'), true);
    assert.equal(q.remove('4'), true);
    assert.equal(q.has('3'), true);
    assert.equal(q.has('1'), false);
    assert.equal(q.countByAgent('a'), 1);
    q.add(entry('5', 'medium'));
    assert.deepEqual(drain(q, ctx()), ['3', '5']);
    assert.equal(q.countByAgent('a'), 0);
  });

  it('rejects a duplicate id and a non-positive agingMs', () => {
    const q = new PriorityQueue();
    q.add(entry('x', 'low'));
    assert.throws(() => q.add(entry('x', 'high')), /already queued/);
    assert.throws(() => new PriorityQueue({ agingMs: 0 }), RangeError);
  });

  it('dispatches from 10 000 queued tasks without sorting per pop', () => {
    const q = new PriorityQueue();
    const prios: Priority[] = ['low', 'medium', 'high'];
    for (let i = 0; i < 10_000; i++) q.add(entry(`t${i}`, prios[i % 3]!, i, `agent${i % 20}`, `k${i}`));
    let calls = 0;
    const c: DispatchContext = { now: 5000, agentHasCapacity: () => (calls++, true), isKeyRunning: () => false };
    const first = q.pop(c);
    assert.equal(first?.priority, 'high');
    assert.ok(calls <= 20, `agentHasCapacity called ${calls} times`);
    const t0 = performance.now();
    while (q.pop(c));
    const ms = performance.now() - t0;
    assert.equal(q.size, 0);
    assert.ok(ms < 1000, `draining 10 000 took ${ms.toFixed(0)} ms`);
  });
});

describe('defaultKey', () => {
  it('is stable across file order and duplicates', () => {
    assert.equal(defaultKey('saa', 'audit', ['b.ts', 'a.ts', 'b.ts']), defaultKey('saa', 'audit', ['a.ts', 'b.ts']));
  });
  it('distinguishes agent, task and files unambiguously', () => {
    const keys = new Set([
      defaultKey('a', 'b', []),
      defaultKey('a', 'b', ['c']),
      defaultKey('a,b', '', []),
      defaultKey('a', 'b,c', []),
      defaultKey('x', 'b', ['c']),
    ]);
    assert.equal(keys.size, 5);
  });
});

// A task's abort without an AbortSignal unless one is asked for, and the shared deadline timer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deadlines } from '../../host/agents/deadlines';
import { TaskAbort } from '../../host/queue/taskAbort';

describe('TaskAbort', () => {
  it('calls onAbort callbacks once with the reason; the signal, made on demand, agrees', () => {
    const a = new TaskAbort();
    const got: string[] = [];
    a.onAbort((r) => got.push(`1:${r}`));
    const off = a.onAbort((r) => got.push(`2:${r}`));
    off();
    const signal = a.signal;
    let events = 0;
    signal.addEventListener('abort', () => events++);
    a.abort('cancelled');
    a.abort('shutdown'); // the first reason stays
    assert.deepEqual(got, ['1:cancelled']);
    assert.equal(events, 1);
    assert.equal(signal.reason, 'cancelled');
    assert.equal(a.reason, 'cancelled');
  });

  it('after the abort: a new callback runs at once, a new signal is already aborted', () => {
    const a = new TaskAbort();
    a.abort('shutdown');
    let r = '';
    a.onAbort((x) => (r = x));
    assert.equal(r, 'shutdown');
    assert.equal(a.signal.aborted, true);
    assert.equal(a.signal.reason, 'shutdown');
  });
});

describe('Deadlines', () => {
  // fake time: with real timers a loaded machine ran the 40 ms wait past the 60 ms deadline
  it('fires what is due, in any order of adding, and never what was cleared', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const d = new Deadlines();
    const fired: string[] = [];
    d.add(60, () => fired.push('b'));
    const clear = d.add(10, () => fired.push('cleared'));
    d.add(20, () => fired.push('a'));
    clear();
    t.mock.timers.tick(19);
    assert.equal(fired.length, 0, fired.join());
    t.mock.timers.tick(21); // 40
    assert.deepEqual(fired, ['a']);
    d.add(5, () => fired.push('c')); // due at 45, before b at 60
    t.mock.timers.tick(5);
    assert.deepEqual(fired, ['a', 'c']);
    t.mock.timers.tick(15);
    assert.deepEqual(fired, ['a', 'c', 'b']);
  });
});

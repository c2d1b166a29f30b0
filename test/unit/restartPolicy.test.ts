// The restart policy under fake time (milliseconds): backoff growth, cap and reset after a stable
// run; quarantine after more than max_restarts failures in the window; half-open trials.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cooldownFor,
  halfOpen,
  initialRestartState,
  mayStart,
  onFailure,
  onReady,
  resetRestartState,
  restartDelay,
  settle,
  type RestartPolicyOptions,
  type RestartState,
} from '../../host/agents/restartPolicy';

const opts: RestartPolicyOptions = { maxRestarts: 5, windowMs: 180_000, cooldownMs: 60_000 };

/** ready at `t`, crash `upMs` later; returns the decision and the state */
function crashAfter(s: RestartState, t: number, upMs: number, o = opts) {
  const ready = onReady(s, t);
  return onFailure(ready, o, t + upMs);
}

describe('restart policy', () => {
  it('backs off 100 ms doubling, capped at 15 s', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 20].map((n) => restartDelay(n, opts)),
      [100, 200, 400, 800, 1600, 3200, 6400, 12800, 15000, 15000],
    );
    assert.equal(restartDelay(0, opts), 100);
    assert.equal(restartDelay(3, { ...opts, initialDelayMs: 10, factor: 3, maxDelayMs: 50 }), 50);
  });

  it('grows the delay with consecutive crashes and resets it after a stable run (30 s up)', () => {
    const o = { ...opts, maxRestarts: 100 };
    let s = initialRestartState();
    let t = 0;
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = crashAfter(s, t, 50, o);
      assert.equal(r.decision.kind, 'restart');
      if (r.decision.kind === 'restart') delays.push(r.decision.delayMs);
      s = r.state;
      t += 10_000;
    }
    assert.deepEqual(delays, [100, 200, 400, 800]);
    assert.equal(s.restarts, 4);
    // up for 30 s: the next crash starts the backoff over
    const stable = crashAfter(s, t, 30_000, o);
    assert.deepEqual(stable.decision, { kind: 'restart', delayMs: 100 });
    // 29.999 s is not stable
    const unstable = crashAfter(s, t, 29_999, o);
    assert.deepEqual(unstable.decision, { kind: 'restart', delayMs: 1600 });
  });

  it('quarantines on the (max_restarts + 1)th failure inside the window, not when they are spread out', () => {
    let s = initialRestartState();
    let t = 1_000;
    for (let i = 0; i < 5; i++) {
      const r = onFailure(s, opts, t);
      assert.equal(r.decision.kind, 'restart', `failure ${i + 1}`);
      s = r.state;
      t += 1_000;
    }
    const q = onFailure(s, opts, t);
    assert.deepEqual(q.decision, {
      kind: 'quarantine',
      until: t + 60_000,
      cooldownMs: 60_000,
      failuresInWindow: 6,
      trialFailed: false,
    });
    assert.equal(q.state.phase, 'quarantined');
    assert.equal(mayStart(q.state), false);

    // the same six failures 40 s apart: at most 5 fall in any 180 s window
    let spread = initialRestartState();
    for (let i = 0; i < 12; i++) {
      const r = onFailure(spread, opts, i * 40_000);
      assert.equal(r.decision.kind, 'restart', `spread failure ${i + 1}`);
      spread = r.state;
    }
    // max_restarts 0: the first failure quarantines
    assert.equal(onFailure(initialRestartState(), { ...opts, maxRestarts: 0 }, 5).decision.kind, 'quarantine');
  });

  it('half-opens after the cool-down: one trial; success → probation → closed once stable', () => {
    let s = onFailure(initialRestartState(), { ...opts, maxRestarts: 0 }, 0).state;
    assert.equal(halfOpen(s, 59_999).phase, 'quarantined', 'not before the cool-down');
    s = halfOpen(s, 60_000);
    assert.equal(s.phase, 'half-open');
    assert.equal(mayStart(s), true);
    assert.deepEqual(s.failures, [], 'the window starts afresh');
    s = onReady(s, 61_000);
    assert.equal(s.phase, 'probation');
    s = settle(s, opts, 91_000);
    assert.deepEqual([s.phase, s.quarantines, s.consecutive], ['closed', 0, 0]);
  });

  it('a failed trial, or a crash during probation, re-quarantines with a doubled cool-down (capped)', () => {
    const o = { ...opts, maxRestarts: 0, cooldownMs: 1000 };
    let s = onFailure(initialRestartState(), o, 0).state; // cool-down 1 s
    const cooldowns: number[] = [];
    let t = 0;
    for (let i = 0; i < 3; i++) {
      t = s.until!;
      s = halfOpen(s, t);
      const r = onFailure(s, o, t + 10); // the trial start fails
      assert.equal(r.decision.kind, 'quarantine');
      if (r.decision.kind === 'quarantine') {
        assert.equal(r.decision.trialFailed, true);
        cooldowns.push(r.decision.cooldownMs);
      }
      s = r.state;
    }
    assert.deepEqual(cooldowns, [2000, 4000, 8000]);
    // probation: the trial became ready, then crashed 5 s later (before 30 s of stability)
    t = s.until!;
    s = onReady(halfOpen(s, t), t + 100);
    const p = onFailure(s, o, t + 5000);
    assert.equal(p.decision.kind, 'quarantine');
    if (p.decision.kind === 'quarantine') assert.equal(p.decision.cooldownMs, 16_000);
    // the cap: one hour by default, or the configured cool-down if that is longer
    assert.equal(cooldownFor(30, opts), 3_600_000);
    assert.equal(cooldownFor(3, { ...opts, cooldownMs: 7_200_000 }), 7_200_000);
  });

  it('after probation ends a crash is an ordinary restart again; reset forgets everything', () => {
    const o = { ...opts, maxRestarts: 0 };
    let s = halfOpen(onFailure(initialRestartState(), o, 0).state, 60_000);
    s = onReady(s, 60_000);
    const r = onFailure(s, { ...o, maxRestarts: 3 }, 95_000); // up 35 s: stable
    assert.deepEqual(r.decision, { kind: 'restart', delayMs: 100 });
    assert.deepEqual(resetRestartState(), initialRestartState());
    assert.equal(resetRestartState().restarts, 0);
  });

  it('is pure: inputs are never mutated', () => {
    const s = initialRestartState();
    const frozen = JSON.stringify(s);
    onFailure(s, opts, 1);
    onReady(s, 1);
    halfOpen(s, 1);
    settle(s, opts, 1);
    assert.equal(JSON.stringify(s), frozen);
  });
});

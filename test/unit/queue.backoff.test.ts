import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BackoffConfig } from '../../common/configSchema';
import { backoffDelay, MAX_RETRY_AFTER_MS, nextRetryDelay } from '../../host/queue/backoff';

const fixed: BackoffConfig = { initialMs: 1000, factor: 2, maxMs: 60_000, jitter: false };
const jittered: BackoffConfig = { ...fixed, jitter: true };

/** mulberry32: a tiny seeded PRNG so the jitter tests are reproducible */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('backoffDelay', () => {
  it('grows exponentially and is capped', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, fixed)),
      [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000],
    );
    assert.equal(backoffDelay(10_000, fixed), 60_000); // factor ** huge = Infinity, still capped
  });

  it('treats attempt < 1 as the first retry', () => {
    assert.equal(backoffDelay(0, fixed), 1000);
    assert.equal(backoffDelay(-3, fixed), 1000);
  });

  it('equal jitter stays within [base/2, base) and never collapses to 0', () => {
    const random = seeded(42);
    for (let n = 1; n <= 10; n++) {
      const base = Math.min(60_000, 1000 * 2 ** (n - 1));
      const seen = new Set<number>();
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(n, jittered, random);
        assert.ok(d >= base / 2 && d < base, `attempt ${n}: ${d} outside [${base / 2}, ${base})`);
        seen.add(d);
      }
      assert.ok(seen.size > 50, 'jitter actually varies');
    }
    assert.equal(
      backoffDelay(1, jittered, () => 0),
      500,
    );
    assert.ok(backoffDelay(1, jittered, () => 1) < 1000, 'a random() of 1 does not exceed the bound');
  });

  it('is deterministic for a given seed', () => {
    const a = seeded(7);
    const b = seeded(7);
    for (let n = 1; n <= 5; n++) assert.equal(backoffDelay(n, jittered, a), backoffDelay(n, jittered, b));
  });

  it('an infinite maxMs is still bounded by what a timer can hold', () => {
    assert.ok(backoffDelay(100, { ...fixed, maxMs: Infinity }) <= 2_147_483_647);
  });
});

describe('nextRetryDelay', () => {
  it('is the backoff when no Retry-After is given', () => {
    assert.equal(nextRetryDelay(3, fixed), 4000);
    assert.equal(nextRetryDelay(3, fixed, Math.random, Number.NaN), 4000);
    assert.equal(nextRetryDelay(3, fixed, Math.random, -5), 4000);
  });

  it('honours a longer Retry-After, but never more than the upper bound', () => {
    assert.equal(nextRetryDelay(1, fixed, Math.random, 30_000), 30_000);
    assert.equal(nextRetryDelay(5, fixed, Math.random, 100), 16_000);
    assert.equal(nextRetryDelay(1, fixed, Math.random, 10 * 86_400_000), MAX_RETRY_AFTER_MS);
  });

  it('with jitter stays at least the Retry-After', () => {
    const random = seeded(1);
    for (let i = 0; i < 100; i++) assert.ok(nextRetryDelay(2, jittered, random, 1500) >= 1500);
  });
});

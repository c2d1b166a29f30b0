// Small statistics and the A/B alternation every comparative figure uses. On a shared, noisy
// 2-core machine an A run and its baseline B must be measured close together in time: each
// repetition runs both back to back, alternating which goes first so neither always gets the
// "warmer" or "quieter" slot, and a figure is the median over repetitions.

export function median(xs: number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile (p in 0..100) of the finite values; NaN when there are none. */
export function percentile(xs: number[], p: number): number {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  if (p === 50 && v.length % 2 === 0) return (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  const rank = Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1));
  return v[rank]!;
}

export interface AB {
  a: number[];
  b: number[];
  /** a[i] / b[i] per repetition: each pair was measured under (nearly) the same load */
  ratios: number[];
  /** a[i] - b[i] per repetition, for figures that are a difference (an extra latency) */
  diffs: number[];
}

/**
 * Runs a and b `reps` times, alternating the order (AB, BA, AB, …). Returns every sample; the
 * caller reports medians. The paired ratios and differences are kept because load drifts between
 * repetitions: the median of paired ratios (or differences) is steadier than the ratio (or the
 * difference) of medians, which may pair A's quiet moment with B's busy one.
 */
export async function alternate(
  reps: number,
  a: (rep: number) => Promise<number>,
  b: (rep: number) => Promise<number>,
): Promise<AB> {
  const out: AB = { a: [], b: [], ratios: [], diffs: [] };
  for (let i = 0; i < reps; i++) {
    let x: number;
    let y: number;
    if (i % 2 === 0) {
      x = await a(i);
      y = await b(i);
    } else {
      y = await b(i);
      x = await a(i);
    }
    out.a.push(x);
    out.b.push(y);
    out.ratios.push(x / y);
    out.diffs.push(x - y);
  }
  return out;
}

export function round(x: number, digits = 2): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** 3 significant digits, for the table: 0.0123, 1.23, 123, 12300 */
export function fmt(x: number | null | undefined, unit = ''): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  const s = a === 0 ? '0' : a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toPrecision(2);
  return unit ? `${s} ${unit}` : s;
}

/** Epoch milliseconds with sub-millisecond resolution (same clock as bash's $EPOCHREALTIME). */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

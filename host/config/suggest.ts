// "Did you mean ...?" for misspelled keys and agent names. Pure.

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions ("memroy" → 1). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

// Case and separators are the commonest slips ("maxMemory", "Max-Memory"), so they cost nothing.
const normalize = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');

/** The closest candidate when it is close enough to be a plausible typo; undefined otherwise. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const w = normalize(word);
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    if (c === word) continue;
    const dist = editDistance(w, normalize(c));
    if (dist < bestDist) {
      best = c;
      bestDist = dist;
    }
  }
  // Short keys tolerate one slip, longer ones a third of their length (at most 3).
  const allowed = Math.min(3, Math.max(1, Math.floor(w.length / 3)));
  return bestDist <= allowed ? best : undefined;
}

/** ` (did you mean "x"?)` or the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const s = suggest(word, candidates);
  return s === undefined ? '' : ` (did you mean "${s}"?)`;
}

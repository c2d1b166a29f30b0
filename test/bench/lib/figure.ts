// One reported figure: its value (what --json carries under its key), the measurements it came
// from (shown in the table's value/baseline columns) and its goal. A figure that cannot be
// measured in this build or on this machine has value null and says why; it never fails the run.

export interface Goal {
  op: '<=' | '>=';
  limit: number;
  /** shown after the limit, e.g. "(≤ 5 when both cores are saturated)" */
  note?: string;
}

export interface Figure {
  key: string;
  value: number | null;
  /** the host side, e.g. "812 tasks/s" */
  measured?: string;
  /** the baseline side, e.g. "950 tasks/s (raw spawn)" */
  baseline?: string;
  goal?: Goal;
  /** why value is null, or a remark on how it was obtained */
  why?: string;
  /** raw samples and sub-figures, for --json */
  detail?: Record<string, unknown>;
}

export function met(f: Figure): boolean | undefined {
  if (!f.goal || f.value === null || !Number.isFinite(f.value)) return undefined;
  return f.goal.op === '<=' ? f.value <= f.goal.limit : f.value >= f.goal.limit;
}

export function absent(key: string, why: string, goal?: Goal): Figure {
  return { key, value: null, why, ...(goal ? { goal } : {}) };
}

/** Bench settings: the full run or --quick (proves the harness works, < 2 min). */
export interface Mode {
  quick: boolean;
  /** A/B repetitions for the comparative figures */
  reps: number;
  log(msg: string): void;
}

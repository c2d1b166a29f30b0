// Task ids sort by creation time (fixed-width base36 milliseconds + a per-process counter) and
// stay unique across host restarts (a random suffix), short enough to type in `agentic-bg cancel`.
import { randomBytes } from 'node:crypto';

let lastMs = 0;
let seq = 0;
const suffix = randomBytes(2).toString('hex');

export function newTaskId(nowMs: number): string {
  if (nowMs === lastMs) seq++;
  else {
    lastMs = nowMs;
    seq = 0;
  }
  return `t${nowMs.toString(36).padStart(9, '0')}${seq.toString(36).padStart(3, '0')}${suffix}`;
}

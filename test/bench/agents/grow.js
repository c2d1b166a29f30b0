// Grows its RSS by touching fresh memory (2 MB every 10 ms) until it is killed. Right after the
// allocation that takes its RSS over argv[2] bytes it writes "pid epochMs" to argv[3]: the
// memory-kill figure measures from there to the process being gone. Stops growing at 3× the
// limit and exits after 10 s, so an unenforced limit ends the task instead of eating the machine.
const { writeFileSync } = require('node:fs');
const limit = Number(process.argv[2]);
const stamp = process.argv[3];
const keep = [];
let crossed = false;
const timer = setInterval(() => {
  if (process.memoryUsage.rss() < 3 * limit) keep.push(Buffer.allocUnsafe(2 * 1024 * 1024).fill(1));
  if (!crossed && process.memoryUsage.rss() > limit) {
    crossed = true;
    // Date.now(): the wall clock, as the bench reads it (a long-lived process's timeOrigin + now drifts
    // from a new one's when the clock is stepped)
    writeFileSync(stamp, `${process.pid} ${Date.now()}`);
  }
}, 10);
setTimeout(() => {
  clearInterval(timer);
  process.exit(0);
}, 10_000);

// Burns one core until killed (or 120 s): the CPU-limit figure measures how close the host holds
// it to max_cpu_percent.
const end = Date.now() + 120_000;
let x = 0;
while (Date.now() < end) x += Math.sqrt(x + 1);

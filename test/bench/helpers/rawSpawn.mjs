// The baseline the host's dispatch is compared with: a bare child_process.spawn loop, in a plain
// Node process of its own (no tsx, no bench code loaded) so that its RSS — which fork() cost grows
// with — is close to the host's. It does the least a supervisor must: spawn with pipes, end stdin,
// read stdout and stderr, wait for 'close'. Commands arrive as JSON lines on stdin; each answer is
// one JSON line on stdout.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { setPriority } from 'node:os';
import { createInterface } from 'node:readline';

const epochMs = () => performance.timeOrigin + performance.now();

function runOne(argv, nice = 0) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    // as the host does (host/agents/oneShot.ts): renice right after spawn, errors ignored
    if (nice && child.pid) {
      try {
        setPriority(child.pid, nice);
      } catch {
        // gone already, or not allowed: it runs at the inherited priority, as with the host
      }
    }
    child.stdin.on('error', () => {});
    child.stdin.end();
    child.stdout.on('data', () => {});
    child.stderr.on('data', () => {});
    child.on('error', (err) => resolve(err));
    child.on('close', (code) => resolve(code === 0 ? undefined : new Error(`${argv.join(' ')} exited ${code}`)));
  });
}

/** n runs of argv, c at a time; tasks/s from the first spawn to the last close. */
async function throughput({ argv, n, c, nice }) {
  let next = 0;
  let failed;
  const t0 = epochMs();
  const lane = async () => {
    while (next < n) {
      next++;
      const err = await runOne(argv, nice);
      failed ??= err;
    }
  };
  await Promise.all(Array.from({ length: Math.min(c, n) }, lane));
  const ms = epochMs() - t0;
  if (failed) throw failed;
  return { rate: n / (ms / 1000), ms };
}

/** spawn → the agent's own start stamp (bash $EPOCHREALTIME, seconds with µs) written to `stamp`. */
async function latency({ argv, stamp, nice }) {
  const t0 = epochMs();
  const err = await runOne(argv, nice);
  if (err) throw err;
  const at = Number.parseFloat(readFileSync(stamp, 'utf8')) * 1000;
  rmSync(stamp, { force: true });
  return { ms: at - t0 };
}

/** when this process got the message: with the sender's clock, one hop to an idle process */
async function ping() {
  return { at: epochMs() };
}

const ops = { throughput, latency, ping };
for await (const line of createInterface({ input: process.stdin })) {
  const msg = JSON.parse(line);
  if (msg.op === 'exit') break;
  try {
    process.stdout.write(JSON.stringify({ ok: true, ...(await ops[msg.op](msg)) }) + '\n');
  } catch (err) {
    process.stdout.write(JSON.stringify({ ok: false, error: String(err?.message ?? err) }) + '\n');
  }
}
process.exit(0);

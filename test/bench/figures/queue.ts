// enqueue_durable_ratio and queue_vs_bullmq_durable: the queue layer alone, in this process —
// the real Journal (fdatasync, group commit), TaskStore and Scheduler, with an in-process Runner
// instead of agent processes — against an fsync per task and against BullMQ on redis (AOF always).
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nullLogger } from '../../../host/logger';
import { Journal } from '../../../host/queue/journal';
import { serializeRecord } from '../../../host/queue/journalFormat';
import { Scheduler, type RunOutcome, type RunRequest } from '../../../host/queue/scheduler';
import { TaskStore } from '../../../host/queue/taskStore';
import { resolveConfig } from '../../../common/configSchema';
import { isFinal } from '../../../common/model';
import { onCleanup } from '../lib/cleanup';
import { absent, type Figure, type Mode } from '../lib/figure';
import { bullmqRate, bullmqUnavailable, Redis } from '../lib/redis';
import { alternate, epochMs, fmt, median, round } from '../lib/stats';

interface Layer {
  sched: Scheduler;
  journal: Journal;
  finished(): number;
  /** resolves when `n` tasks have finished */
  finishedCount(n: number): Promise<void>;
  close(): Promise<void>;
}

/** Scheduler + durable Journal in a temp dir. run: 'noop' finishes at once, 'hold' never finishes. */
async function layer(run: 'noop' | 'hold', concurrency: number): Promise<Layer> {
  const dir = mkdtempSync(join(tmpdir(), 'agbg-bench-q-'));
  const forget = onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const { journal } = await Journal.open(join(dir, 'queue.jsonl'), { durable: true });
  const cfg = resolveConfig({
    background: {
      max_concurrent_agents: concurrency,
      retry_attempts: 0,
      agents: { q: { command: ['in-process'], concurrency } },
    },
  });
  let finished = 0;
  let want = Infinity;
  let reached: (() => void) | undefined;
  const runner = {
    run: (req: RunRequest): Promise<RunOutcome> =>
      run === 'noop'
        ? Promise.resolve({ exitCode: 0, signal: null, findings: [] })
        : new Promise((resolve) =>
            req.signal.addEventListener('abort', () => resolve({ exitCode: null, signal: 'SIGTERM', findings: [] })),
          ),
  };
  const sched = new Scheduler({
    store: new TaskStore(1000),
    journal,
    runner,
    logger: nullLogger,
    config: () => cfg,
    events: {
      taskChanged: (t) => {
        if (isFinal(t.state) && ++finished >= want) reached?.();
      },
      tasksRemoved: () => undefined,
      findings: () => undefined,
    },
  });
  return {
    sched,
    journal,
    finished: () => finished,
    finishedCount: (n) =>
      finished >= n
        ? Promise.resolve()
        : new Promise((r) => {
            want = n;
            reached = r;
          }),
    close: async () => {
      await sched.drain(Date.now());
      await journal.close();
      rmSync(dir, { recursive: true, force: true });
      forget();
    },
  };
}

let seq = 0;
/** `submitters` concurrent loops, each awaiting one durable tasks/submit-equivalent at a time */
async function submitLoop(sched: Scheduler, n: number, submitters: number): Promise<void> {
  let next = 0;
  const tag = `q${++seq}`;
  const one = async () => {
    while (next < n) {
      const i = next++;
      const [r] = await sched.submit([
        { agent: 'q', task: 'noop', key: `${tag}-${i}`, files: [`src/file${i % 50}.ts`] },
      ]);
      if (!r || 'error' in r) throw new Error(`submit refused: ${r && 'error' in r ? r.error : '?'}`);
    }
  };
  await Promise.all(Array.from({ length: submitters }, one));
}

/** durable enqueues/s, 64 submitters, the queue's agent busy so everything stays queued */
async function groupCommitRate(n: number): Promise<number> {
  const l = await layer('hold', 1);
  try {
    const t0 = epochMs();
    await submitLoop(l.sched, n, 64);
    return n / ((epochMs() - t0) / 1000);
  } finally {
    await l.close();
  }
}

/** the same record written and fdatasync'ed one task at a time, in the same temp dir (same disk) */
async function fsyncPerTaskRate(n: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'agbg-bench-q-'));
  const fh = await open(join(dir, 'fsync.jsonl'), 'a');
  try {
    const now = new Date().toISOString();
    const t0 = epochMs();
    for (let i = 0; i < n; i++) {
      const line = serializeRecord({
        v: 1,
        op: 'put',
        task: {
          id: `t${i}`,
          agent: 'q',
          task: 'noop',
          state: 'queued',
          priority: 'medium',
          key: `k${i}`,
          files: [`src/file${i % 50}.ts`],
          attempts: 0,
          maxAttempts: 1,
          createdAt: now,
          updatedAt: now,
          attemptLog: [],
        },
      });
      await fh.write(line);
      await fh.datasync();
    }
    return n / ((epochMs() - t0) / 1000);
  } finally {
    await fh.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** no-op tasks/s through the queue layer: 8 submitters, dispatch at concurrency 8, all durable */
async function layerRate(n: number, concurrency: number): Promise<number> {
  const l = await layer('noop', concurrency);
  try {
    const t0 = epochMs();
    await submitLoop(l.sched, n, 8);
    await l.finishedCount(n);
    await l.journal.flush(); // the final records too: BullMQ's completions are durable as well
    return n / ((epochMs() - t0) / 1000);
  } finally {
    await l.close();
  }
}

export async function queueFigures(m: Mode): Promise<Figure[]> {
  const figs: Figure[] = [];
  const n = m.quick ? 640 : 6400;
  const nSync = m.quick ? 40 : 200;
  m.log(`enqueue: ${n} durable submits from 64 submitters vs ${nSync} fdatasync-per-task appends`);
  // one untimed round first: the JIT has compiled the queue's code before anything is timed
  await groupCommitRate(Math.ceil(n / 4));
  const e = await alternate(
    m.reps,
    () => groupCommitRate(n),
    () => fsyncPerTaskRate(nSync),
  );
  figs.push({
    key: 'enqueue_durable_ratio',
    value: round(median(e.ratios), 1),
    measured: `${fmt(median(e.a))} enqueues/s (64 submitters)`,
    baseline: `${fmt(median(e.b))}/s append+fdatasync each`,
    goal: { op: '>=', limit: 10 },
    detail: { groupCommit: e.a.map((x) => round(x)), fsyncEach: e.b.map((x) => round(x)) },
  });

  const goal = { op: '>=' as const, limit: 2 };
  const why = await bullmqUnavailable();
  if (why) {
    figs.push(absent('queue_vs_bullmq_durable', why, goal));
    return figs;
  }
  const jobs = m.quick ? 300 : 3000;
  m.log(`queue layer vs BullMQ (AOF always): ${jobs} no-op tasks, 8 producers, concurrency 8`);
  const redis = await Redis.start('always');
  try {
    await layerRate(Math.ceil(jobs / 4), 8); // warm-up, as above
    await bullmqRate(redis.port, Math.ceil(jobs / 4), 8, 8);
    const q = await alternate(
      m.reps,
      () => layerRate(jobs, 8),
      () => bullmqRate(redis.port, jobs, 8, 8),
    );
    figs.push({
      key: 'queue_vs_bullmq_durable',
      value: round(median(q.ratios), 2),
      measured: `${fmt(median(q.a))} tasks/s (journal + scheduler)`,
      baseline: `${fmt(median(q.b))} jobs/s BullMQ, AOF always`,
      goal,
      detail: { layer: q.a.map((x) => round(x)), bullmq: q.b.map((x) => round(x)) },
    });
  } finally {
    await redis.stop();
  }
  return figs;
}

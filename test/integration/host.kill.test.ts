// Nothing outlives its task or its host (ARCHITECTURE.md: Invariants), through the real host and CLI: timeouts and
// cancels kill whole fork trees (throttled, SIGSTOPped ones too), kill -9 of the host leaves no
// agent process, and a starting host reaps recorded leftovers only when the pid is still the same
// process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { groupPids } from '../../host/agents/processTree';
import { hostPaths } from '../../common/node/paths';
import type { TaskInfo } from '../../common/model';
import type * as P from '../../common/protocol';
import { AGENTS, cleanup, cli, cliJson, hostInfo, makeWorkspace, NODE, waitTask, yaml } from './helpers';
import { alive, pidsWithMarker, stateOf, uniqueMarker } from '../support/proc';
import { sleep, until, waitFor } from '../support/wait';

const made: string[] = [];
const strays: number[] = [];
after(async () => {
  for (const ws of made) await cleanup(ws);
  for (const p of strays) if (alive(p)) process.kill(p, 'SIGKILL');
});
function ws(config?: string): string {
  const w = makeWorkspace(config);
  made.push(w);
  return w;
}
const T = { timeout: 120_000 };
const FORKTREE = join(AGENTS, 'forktree.sh');

async function submit(w: string, a: string): Promise<string> {
  return (await cliJson<P.SubmitRequest.Result>(w, ['submit', '--agent', a, '--task', 't'])).taskId;
}

/** leader, child1, grandchild and child2 all carry the marker */
/** Until the throttle has SIGSTOPped a process carrying `marker`: the state these tests are about. */
const throttled = (marker: string): Promise<boolean> =>
  until(
    async () => (await pidsWithMarker(marker)).some((p) => stateOf(p) === 'T'),
    15_000,
    `a process of ${marker} stopped by the throttle`,
    5,
  );
const treeUp = (marker: string): Promise<unknown> =>
  until(async () => (await pidsWithMarker(marker)).length >= 4, 15_000, `fork tree ${marker}`);

describe('time and cancel', () => {
  it('a timeout kills the fork tree: children and grandchildren included', T, async () => {
    const marker = uniqueMarker('timeout');
    const w = ws(
      yaml(`
background:
  agents:
    tree:
      command: ["${FORKTREE}", "${marker}"]
      timeout: 2s
      retry_attempts: 0
`),
    );
    assert.equal((await cli(w, ['start'])).code, 0);
    const id = await submit(w, 'tree');
    await treeUp(marker);
    const t = await waitTask(w, id);
    assert.equal(t.reason, 'timeout');
    assert.deepEqual(await pidsWithMarker(marker), []);
    assert.deepEqual(await groupPids(t.attemptLog![0]!.pid!, { live: true }), [], 'not even its `sleep`s');
  });

  it('a cancel kills the fork tree, also while it is throttled (SIGSTOPped) at 10 % CPU', T, async () => {
    const m1 = uniqueMarker('cancel');
    const m2 = uniqueMarker('cancelthrottled');
    const w = ws(
      yaml(`
background:
  max_concurrent_agents: 2
  agents:
    tree:
      command: ["${FORKTREE}", "${m1}"]
    busy:
      command: ["${NODE}", "${join(AGENTS, 'spinner.js')}", "${m2}", "--procs", "3"]
      max_cpu_percent: 10
`),
    );
    assert.equal((await cli(w, ['start'])).code, 0);
    const [a, b] = [await submit(w, 'tree'), await submit(w, 'busy')];
    await treeUp(m1);
    await until(async () => (await pidsWithMarker(m2)).length === 3, 15_000, 'spinners');
    await throttled(m2);
    for (const [id, m] of [
      [a, m1],
      [b, m2],
    ] as const) {
      const pid = (await cliJson<TaskInfo[]>(w, ['tasks'])).find((t) => t.id === id)!.pid!;
      const r = await cli(w, ['cancel', id]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await pidsWithMarker(m), [], `${m} survived its cancel`);
      assert.deepEqual(await groupPids(pid, { live: true }), []);
      assert.equal((await waitTask(w, id)).state, 'cancelled');
    }
  });
});

describe('nothing outlives the host', () => {
  it('a graceful stop while a group is throttled (mostly SIGSTOPped) leaves nothing behind', T, async () => {
    const marker = uniqueMarker('stopthrottled');
    const w = ws(
      yaml(`
background:
  agents:
    busy:
      command: ["${NODE}", "${join(AGENTS, 'spinner.js')}", "${marker}", "--procs", "2"]
      max_cpu_percent: 5
`),
    );
    assert.equal((await cli(w, ['start'])).code, 0);
    await submit(w, 'busy');
    await until(async () => (await pidsWithMarker(marker)).length === 2, 15_000, 'spinners');
    await throttled(marker);
    const r = await cli(w, ['stop', '--timeout', '0.5']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await pidsWithMarker(marker), []);
  });

  it(
    'kill -9 of the host: every agent group is gone within 5 s (SIGTERM-ignoring and SIGSTOPped ones too)',
    T,
    async () => {
      const marker = uniqueMarker('kill9');
      const w = ws(
        yaml(`
background:
  max_concurrent_agents: 3
  agents:
    tree:
      command: ["${FORKTREE}", "${marker}-a"]
    stubborn:
      command: ["${FORKTREE}", "${marker}-b", "--ignore-term"]
    busy:
      command: ["${NODE}", "${join(AGENTS, 'spinner.js')}", "${marker}-c", "--procs", "2"]
      max_cpu_percent: 5
`),
      );
      assert.equal((await cli(w, ['start'])).code, 0);
      const host = hostInfo(w).pid;
      for (const a of ['tree', 'stubborn', 'busy']) await submit(w, a);
      await until(async () => (await pidsWithMarker(marker)).length >= 10, 15_000, 'all agents');
      await throttled(`${marker}-c`);
      const leaders = (await cliJson<TaskInfo[]>(w, ['tasks', '--state', 'running'])).map((t) => t.pid!);
      assert.equal(leaders.length, 3);
      const t0 = performance.now();
      process.kill(host, 'SIGKILL');
      const ms = await waitFor(
        async () =>
          (await pidsWithMarker(marker)).length === 0 &&
          (await Promise.all(leaders.map((p) => groupPids(p, { live: true })))).every((g) => g.length === 0),
        5000,
        20,
      );
      console.log(
        `# kill -9 of the host: all agent process groups gone after ${(performance.now() - t0).toFixed(0)} ms`,
      );
      assert.notEqual(ms, -1, `survivors: ${await pidsWithMarker(marker)}`);
    },
  );

  it('a starting host reaps a recorded leftover only when the group is still one of its agents', T, async () => {
    const marker = uniqueMarker('leftover');
    const w = ws();
    // stand-ins, each in its own process group (so a group kill would reach it): an agent of this
    // workspace left by a dead host (AGENTIC_WORKSPACE, as every agent gets it), one of ANOTHER
    // workspace, and an unrelated process that now holds a recorded pid (pid reuse)
    const start = (tag: string, env: NodeJS.ProcessEnv = {}): number => {
      const c = spawn(NODE, [join(AGENTS, 'hang.js'), `${marker}-${tag}`], {
        detached: true,
        stdio: 'ignore',
        env: { ...process.env, ...env },
      });
      c.unref();
      strays.push(c.pid!);
      return c.pid!;
    };
    const reused = start('reused');
    const other = start('other', { AGENTIC_WORKSPACE: `${w}-other` });
    const leftover = start('leftover', { AGENTIC_WORKSPACE: w });
    await until(async () => (await pidsWithMarker(marker)).length === 3, 10_000, 'the stand-ins');
    const now = new Date().toISOString();
    const record = (id: string, pid: number): string =>
      JSON.stringify({
        v: 1,
        op: 'put',
        task: {
          id,
          agent: 'gone',
          task: 't',
          key: id,
          state: 'running',
          priority: 'medium',
          files: [],
          attempts: 1,
          maxAttempts: 1,
          createdAt: now,
          updatedAt: now,
          pid,
          attemptLog: [{ attempt: 1, startedAt: now, pid }],
        },
      }) + '\n';
    const journal = hostPaths(w).journal;
    mkdirSync(dirname(journal), { recursive: true });
    writeFileSync(journal, record('t-reused', reused) + record('t-other', other) + record('t-leftover', leftover));
    assert.equal((await cli(w, ['start'])).code, 0);
    assert.notEqual(await waitFor(() => !alive(leftover), 5000), -1, 'the real leftover was reaped');
    await sleep(1000); // an observation window: the same reaping pass handled all three records
    assert.equal(alive(reused), true, 'a reused pid was signalled');
    assert.equal(alive(other), true, "another workspace's agent was signalled");
    assert.equal((await cliJson<{ pid: number }>(w, ['status'])).pid, hostInfo(w).pid);
  });
});

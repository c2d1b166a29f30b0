// Chaos soak of delivery and durability: a real host whose tasks record every run in runs.log
// (test/fixtures/agents/record.js) is kill -9'd at random moments — also right after a client was
// told a task succeeded — and restarted, while random agent processes are kill -9'd too. Checks:
// every accepted task ends (0 lost); no task runs again once a client was told it succeeded or
// its success was on disk; a write task running at a crash is parked `interrupted`, never re-run;
// nothing of the workspace outlives the end. Quick size in `npm test`; AGENTIC_SOAK=long for the
// long one; AGENTIC_SOAK_SEED=N replays a run (the seed is printed).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { TaskInfo } from '../../common/model';
import * as P from '../../common/protocol';
import type { HostConnection } from '../../common/node/connect';
import { AGENTS, cleanup, cli, connect, makeWorkspace, yaml } from './helpers';
import { alive as pidAlive, pidsWithMarker } from '../support/proc';
import { until } from '../support/wait';
import { lines, mulberry32, parseJournal, type RunLog } from './soakSupport';

const LONG = process.env.AGENTIC_SOAK === 'long';
const made: string[] = [];
after(async () => {
  for (const w of made) await cleanup(w);
});

function workspace(marker: string): string {
  const rec = `["${process.execPath}", "${AGENTS}/record.js", "${marker}"]`;
  const ws = makeWorkspace(
    yaml(`
background:
  max_concurrent_agents: 4
  retry_attempts: 6
  retry_backoff: { initial: 50ms, factor: 2, max: 400ms }
  agents:
    rd:
      command: ${rec}
      concurrency: 3
      effects: read
    wr:
      command: ${rec}
      concurrency: 1
      effects: write
`),
  );
  made.push(ws);
  return ws;
}

/** starts the workspace's host and connects; the host's pid is the one its hello answered */
async function startHost(ws: string): Promise<{ c: HostConnection; pid: number }> {
  const r = await cli(ws, ['start']);
  assert.equal(r.code, 0, `start failed: ${r.stdout}${r.stderr}`);
  const c = await connect(ws);
  return { c, pid: c.hello.pid };
}

/** What the soak saw: for every host kill and every success it was told of, how far runs.log was. */
class Ledger {
  readonly accepted = new Map<string, 'rd' | 'wr'>();
  /** task id → runs.log line count when a client was told it succeeded */
  readonly told = new Map<string, number>();
  /** task id → runs.log line count when the journal on disk said it succeeded (at a kill) */
  readonly durableSuccess = new Map<string, number>();
  /** write task id → runs.log line count at the kill when the journal on disk said it was running */
  readonly runningAtCrash = new Map<string, number>();
  /** every host and watchdog process the soak saw: none may be left at the end */
  readonly processes = new Set<number>();
  kills = 0;
  killsAfterTold = 0;
  agentKills = 0;

  constructor(
    readonly ws: string,
    readonly marker: string,
  ) {}

  runs(): RunLog {
    return lines(join(this.ws, 'runs.log'));
  }

  /** kill -9 of the host, then what its journal says on disk (all of it survives a process death) */
  async killHost(pid: number): Promise<void> {
    this.processes.add(pid);
    for (const w of await childrenNamed(pid, 'agentic-watchdog')) this.processes.add(w);
    try {
      process.kill(pid, 'SIGKILL');
    } catch (err) {
      // the host is gone already: it must not die by itself
      const log = readFileSync(join(this.ws, '.agentic', 'logs', 'host.log'), 'utf8')
        .split('\n')
        .slice(-15);
      throw new Error(`the host (pid ${pid}) died before the soak killed it: ${String(err)}\n${log.join('\n')}`);
    }
    await until(() => !pidAlive(pid), 10_000, 'the host to die');
    // its agents die with it (the watchdog); only then is runs.log complete for this host: an
    // agent spawned just before the kill may write its start line a little later
    await until(
      async () => (await pidsWithMarker(this.marker)).length === 0,
      10_000,
      'the agents to die with the host',
    );
    this.kills++;
    const at = this.runs().length;
    for (const t of parseJournal(join(this.ws, '.agentic', 'queue.jsonl'))) {
      if (t.state === 'succeeded' && !this.durableSuccess.has(t.id)) this.durableSuccess.set(t.id, at);
      if (t.state === 'running' && t.agent === 'wr' && !this.runningAtCrash.has(t.id))
        this.runningAtCrash.set(t.id, at);
    }
  }
}

/** Submits n tasks through c; returns the ids whose submit was answered (accepted). */
async function submitSome(c: HostConnection, ledger: Ledger, rnd: () => number, n: number, next: () => number) {
  const ids: string[] = [];
  await Promise.all(
    Array.from({ length: n }, async () => {
      const i = next();
      const agent = rnd() < 0.2 ? 'wr' : 'rd';
      try {
        const r = await c.request(P.SubmitRequest.type, {
          agent,
          task: `t${i}`,
          key: `k${i}`,
          params: { ms: Math.floor(rnd() * 300) },
        });
        ledger.accepted.set(r.taskId, agent);
        ids.push(r.taskId);
      } catch {
        // the host died before answering: not accepted as far as this client knows
      }
    }),
  );
  return ids;
}

/** One soak: `tasks` tasks, host kills at random moments until all are submitted, then the checks. */
async function soak(opts: { tasks: number; seed: number }): Promise<void> {
  console.log(`# chaos soak: ${opts.tasks} tasks, seed ${opts.seed} (replay: AGENTIC_SOAK_SEED=${opts.seed})`);
  const rnd = mulberry32(opts.seed);
  const marker = `soak-${process.pid}-${opts.seed}`;
  const ws = workspace(marker);
  const ledger = new Ledger(ws, marker);
  let n = 0;
  const next = () => n++;
  while (n < opts.tasks) {
    const { c, pid } = await startHost(ws);
    try {
      await submitSome(c, ledger, rnd, Math.min(opts.tasks - n, 1 + Math.floor(rnd() * 6)), next);
      const roll = rnd();
      if (roll < 0.4) {
        // wait for a task and kill the host the moment it is told it succeeded
        const open = [...ledger.accepted.keys()].filter((id) => !ledger.told.has(id));
        const id = open[Math.floor(rnd() * open.length)];
        if (id) {
          const t = await c.request(P.WaitTaskRequest.type, { id, timeoutMs: 30_000 });
          if (t.state === 'succeeded') {
            ledger.told.set(id, ledger.runs().length);
            ledger.killsAfterTold++;
            await ledger.killHost(pid);
            continue;
          }
        }
      } else if (roll < 0.6) {
        // kill -9 one agent process (its attempt fails and is retried)
        const agents = await pidsWithMarker(marker);
        const victim = agents[Math.floor(rnd() * agents.length)];
        if (victim) {
          try {
            process.kill(victim, 'SIGKILL');
            ledger.agentKills++;
          } catch {
            // it ended by itself meanwhile
          }
        }
      }
      // a random moment: chaos timing, not synchronisation (nothing waits on it)
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * 400)));
      await ledger.killHost(pid);
    } finally {
      c.close();
    }
  }

  // the end: one host runs until every accepted task has ended
  const { c } = await startHost(ws);
  const final = new Map<string, TaskInfo>();
  try {
    for (const id of ledger.accepted.keys()) {
      const t = await c.request(P.WaitTaskRequest.type, { id, timeoutMs: 60_000 }).catch(() => undefined);
      if (t) final.set(id, t);
    }
  } finally {
    c.close();
  }
  ledger.processes.add(c.hello.pid);
  for (const w of await childrenNamed(c.hello.pid, 'agentic-watchdog')) ledger.processes.add(w);
  assert.equal((await cli(ws, ['stop', '--timeout', '5'])).code, 0);

  const runs = ledger.runs();
  console.log(
    `# ${ledger.accepted.size} accepted, ${ledger.kills} host kills (${ledger.killsAfterTold} right after a success was told), ` +
      `${ledger.agentKills} agent kills, ${runs.starts.length} runs; ` +
      `states: ${JSON.stringify(countBy([...final.values()].map((t) => t.state)))}`,
  );
  const lost = [...ledger.accepted.keys()].filter((id) => !final.has(id));
  assert.deepEqual(lost, [], 'accepted tasks lost');
  for (const [id, t] of final) {
    const ok = t.state === 'succeeded' || t.state === 'failed' || (t.state === 'interrupted' && t.agent === 'wr');
    assert.ok(ok, `${id} (${t.agent}) ended ${t.state}`);
  }
  for (const [id, at] of ledger.told)
    assert.deepEqual(runs.startsAfter(id, at), [], `${id} ran again after a client was told it succeeded`);
  for (const [id, at] of ledger.durableSuccess)
    assert.deepEqual(runs.startsAfter(id, at), [], `${id} ran again after its success was on disk`);
  for (const [id, at] of ledger.runningAtCrash) {
    assert.deepEqual(runs.startsAfter(id, at), [], `write task ${id} was re-run after a crash`);
    assert.equal(final.get(id)?.state, 'interrupted', `write task ${id} running at a crash is not parked`);
  }
  for (const [id, t] of final)
    if (t.state === 'succeeded') assert.ok(runs.ends(id) >= 1, `${id} succeeded without a finished run`);
  // nothing of the workspace is left: no agent, no host, no watchdog of its hosts
  await until(async () => (await pidsWithMarker(marker)).length === 0, 10_000, 'no agent of the soak left');
  assert.deepEqual(processesOf(ws), [], 'processes of the workspace left');
  await until(() => [...ledger.processes].every((p) => !pidAlive(p)), 10_000, 'no host or watchdog of the soak left');
}

/** live children of pid whose command line contains name */
async function childrenNamed(pid: number, name: string): Promise<number[]> {
  return (await pidsWithMarker(name)).filter((p) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    } catch {
      return false;
    }
  });
}

/** live processes started for this workspace (agents carry AGENTIC_WORKSPACE) */
function processesOf(ws: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const env = readFileSync(`/proc/${d}/environ`, 'utf8');
      if (env.split('\0').includes(`AGENTIC_WORKSPACE=${ws}`) && pidAlive(Number(d))) out.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

function countBy(xs: string[]): Record<string, number> {
  const o: Record<string, number> = {};
  for (const x of xs) o[x] = (o[x] ?? 0) + 1;
  return o;
}

describe('chaos soak', () => {
  it('kill -9 right after each success is told: no such task runs again, a write task is not parked', async () => {
    const marker = `told-${process.pid}`;
    const ws = workspace(marker);
    const ledger = new Ledger(ws, marker);
    for (let i = 0; i < 8; i++) {
      const agent = i % 4 === 3 ? 'wr' : 'rd';
      const { c, pid } = await startHost(ws);
      try {
        const r = await c.request(P.SubmitRequest.type, { agent, task: `t${i}`, key: `k${i}` });
        ledger.accepted.set(r.taskId, agent);
        const t = await c.request(P.WaitTaskRequest.type, { id: r.taskId, timeoutMs: 30_000 });
        assert.equal(t.state, 'succeeded');
        ledger.told.set(r.taskId, ledger.runs().length);
        process.kill(pid, 'SIGKILL'); // at once: no request in between
      } finally {
        c.close();
      }
      await until(() => !pidAlive(pid), 10_000, 'the host to die');
    }
    (await startHost(ws)).c.close();
    const tasks = JSON.parse((await cli(ws, ['tasks', '--json'])).stdout) as TaskInfo[];
    const runs = ledger.runs();
    for (const [id, at] of ledger.told) {
      assert.equal(tasks.find((t) => t.id === id)?.state, 'succeeded', `${id} is not succeeded after the restart`);
      assert.deepEqual(runs.startsAfter(id, at), [], `${id} ran again after it was told succeeded`);
    }
  });

  it(
    `random kills of the host and of agents (${LONG ? 'long' : 'quick'})`,
    { timeout: LONG ? 3_600_000 : 240_000 },
    async () => {
      const seed = Number(process.env.AGENTIC_SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
      await soak({ tasks: LONG ? 400 : 40, seed });
    },
  );
});

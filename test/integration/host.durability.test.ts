// Nothing accepted is lost: kill -9 of the host with tasks queued and running, torn and corrupt
// journals, write agents parked as interrupted; and hot reload of the config.
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hostPaths } from '../../common/node/paths';
import type { HostStatus, TaskInfo } from '../../common/model';
import * as P from '../../common/protocol';
import { AGENTS, cleanup, cli, cliJson, connect, hostInfo, makeWorkspace, yaml } from './helpers';
import { alive, pidsWithMarker, uniqueMarker } from '../support/proc';
import { until } from '../support/wait';

const made: string[] = [];
after(async () => {
  for (const w of made) await cleanup(w);
});
function ws(config: string): string {
  const w = makeWorkspace(config);
  made.push(w);
  return w;
}

const config = (effects: string, marker = 'rec') =>
  yaml(`
background:
  max_concurrent_agents: 2
  agents:
    rec:
      command: ["${process.execPath}", "${AGENTS}/record.js", "${marker}"]
      concurrency: 2
      effects: ${effects}
`);

/** Ids of the tasks the journal has recorded as succeeded. */
function journaledSuccesses(w: string): Set<string> {
  let text = '';
  try {
    text = readFileSync(hostPaths(w).journal, 'utf8');
  } catch {
    return new Set();
  }
  const done = new Set<string>();
  for (const l of text.split('\n')) {
    try {
      const r = JSON.parse(l) as { task?: TaskInfo };
      if (r.task?.state === 'succeeded') done.add(r.task.id);
    } catch {
      // the last line may be half written while the host runs
    }
  }
  return done;
}

function runs(w: string): { starts: Map<string, number>; ends: Map<string, number> } {
  const starts = new Map<string, number>();
  const ends = new Map<string, number>();
  for (const l of readFileSync(join(w, 'runs.log'), 'utf8').split('\n')) {
    const [kind, id] = l.split(' ');
    if (!id) continue;
    const m = kind === 'start' ? starts : ends;
    m.set(id, (m.get(id) ?? 0) + 1);
  }
  return { starts, ends };
}

async function killHost(w: string): Promise<void> {
  const pid = hostInfo(w).pid;
  process.kill(pid, 'SIGKILL');
  await until(() => !alive(pid), 5000, 'host to die');
}

describe('durability', () => {
  it('kill -9 with tasks queued and running: all complete after restart, none journaled as done runs twice', async () => {
    const marker = uniqueMarker('durable');
    const w = ws(config('read', marker));
    assert.equal((await cli(w, ['start'])).code, 0);
    const lines = Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({ agent: 'rec', task: `t${i}`, params: { ms: 400 } }),
    ).join('\n');
    const sub = await cli(w, ['submit', '--from', '-', '--json'], { input: lines });
    const ids = (JSON.parse(sub.stdout) as P.SubmitRequest.Result[]).map((r) => r.taskId);
    // kill the host outright once the journal holds two successes while a task runs and some wait
    await until(
      () => {
        if (!existsSync(join(w, 'runs.log'))) return false;
        const r = runs(w);
        return journaledSuccesses(w).size >= 2 && r.starts.size > r.ends.size && r.starts.size < ids.length;
      },
      15_000,
      'two journaled successes, a running task and queued ones',
    );
    await killHost(w);
    // the watchdog ends the agents: only then is runs.log final for this host's life
    await until(
      async () => (await pidsWithMarker(marker)).length === 0,
      10_000,
      'the agents of the killed host to end',
    );
    const before = runs(w);
    const journaled = journaledSuccesses(w);
    assert.ok(journaled.size >= 2, `journaled successes at the kill: ${[...journaled]}`);
    assert.ok(journaled.size < ids.length, 'some tasks were not done at the kill');

    assert.equal((await cli(w, ['start'])).code, 0);
    const c = await connect(w);
    try {
      for (const id of ids)
        assert.equal((await c.request(P.WaitTaskRequest.type, { id, timeoutMs: 30_000 })).state, 'succeeded', id);
    } finally {
      c.close();
    }
    const afterRuns = runs(w);
    for (const id of ids) {
      const [was, now] = [before.starts.get(id) ?? 0, afterRuns.starts.get(id) ?? 0];
      if (journaled.has(id)) {
        // the journal said succeeded: the new host must not run it again
        assert.equal(now, was, `${id}, journaled as succeeded, ran again`);
      } else {
        // queued, running, or ended before its success was journaled (at-least-once): it runs again
        assert.ok(now > was, `${id} was not done at the kill, yet did not run after the restart`);
        assert.ok((afterRuns.ends.get(id) ?? 0) > (before.ends.get(id) ?? 0), `${id} completed after the restart`);
      }
    }
  });

  it('parks a write agent task that was running at kill -9 as interrupted', async () => {
    const w = ws(config('write'));
    assert.equal((await cli(w, ['start'])).code, 0);
    const r = await cliJson<P.SubmitRequest.Result>(w, ['submit', '--agent', 'rec', '--task', 'edit', '--key', 'k1']);
    await until(() => existsSync(join(w, 'runs.log')), 10_000, 'start');
    // params.ms default 0: make it long instead by submitting a second long one
    const long = await connect(w);
    const l = await long.request(P.SubmitRequest.type, { agent: 'rec', task: 'edit2', params: { ms: 5000 } });
    long.close();
    await until(
      async () => (await cliJson<TaskInfo[]>(w, ['tasks', '--state', 'running'])).some((t) => t.id === l.taskId),
      10_000,
      'running',
    );
    await killHost(w);
    assert.equal((await cli(w, ['start'])).code, 0);
    const t = await cliJson<TaskInfo[]>(w, ['tasks']);
    const parked = t.find((x) => x.id === l.taskId)!;
    assert.equal(parked.state, 'interrupted');
    assert.equal(parked.reason, 'host_died');
    assert.equal(t.find((x) => x.id === r.taskId)!.state, 'succeeded');
  });

  it('ignores a torn last line and recovers a corrupt journal, keeping its valid records', async () => {
    const w = ws(config('read'));
    assert.equal((await cli(w, ['start'])).code, 0);
    const r = await cliJson<TaskInfo>(w, ['submit', '--agent', 'rec', '--task', 'a', '--wait']);
    assert.equal((await cli(w, ['stop'])).code, 0);
    const journal = hostPaths(w).journal;
    appendFileSync(journal, '{"v":1,"op":"put","task":{"id":"torn');
    assert.equal((await cli(w, ['start'])).code, 0);
    let s = await cliJson<HostStatus>(w, ['status']);
    assert.equal(s.health, 'ok');
    assert.equal(s.queue.succeeded, 1);
    assert.equal((await cli(w, ['stop'])).code, 0);

    const lines = readFileSync(journal, 'utf8').split('\n');
    writeFileSync(journal, ['garbage that is not json', ...lines].join('\n'));
    assert.equal((await cli(w, ['start'])).code, 0);
    s = await cliJson<HostStatus>(w, ['status']);
    assert.equal(s.health, 'degraded');
    assert.match(s.healthReasons.join(' '), /journal was corrupt/);
    assert.ok(s.journal.recoveredFrom && existsSync(s.journal.recoveredFrom));
    assert.equal(s.queue.succeeded, 1, 'the valid record survived');
    assert.ok(readdirSync(join(w, '.agentic')).some((f) => f.startsWith('queue.jsonl.corrupt-')));
    assert.equal(readFileSync(join(w, '.agentic', '.gitignore'), 'utf8').trim(), '*');
    assert.equal((await cliJson<TaskInfo[]>(w, ['tasks']))[0]!.id, r.id);
  });
});

describe('hot reload', () => {
  it('applies a valid change without a restart and refuses an invalid one (line:col), keeping the old config', async () => {
    const w = ws(config('read'));
    assert.equal((await cli(w, ['start'])).code, 0);
    const pid = hostInfo(w).pid;
    writeFileSync(join(w, 'agentic_config.yaml'), config('read') + `    extra:\n      command: ["true"]\n`);
    await until(
      async () => (await cliJson<HostStatus>(w, ['status'])).agents.some((a) => a.id === 'extra'),
      10_000,
      'hot reload',
    );
    writeFileSync(join(w, 'agentic_config.yaml'), config('read').replace('concurrency: 2', 'concurency: 2'));
    const r = await cli(w, ['reload']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /agentic_config\.yaml:6:7: error: unknown key "concurency".*did you mean "concurrency"/);
    assert.match(r.stderr, /previous configuration stays in force/);
    const s = await cliJson<HostStatus>(w, ['status']);
    assert.equal(s.config.valid, false);
    assert.equal(s.config.keptPrevious, true);
    assert.equal(s.health, 'degraded');
    assert.ok(
      s.agents.some((a) => a.id === 'extra'),
      'old config in force',
    );
    assert.equal(s.pid, pid);
    const t = await cliJson<TaskInfo>(w, ['submit', '--agent', 'rec', '--task', 'still-works', '--wait']);
    assert.equal(t.state, 'succeeded');
  });

  it('start reports an invalid file with exit 2 and the key, line and column', async () => {
    const w = ws('background:\n  max_concurrent_agents: 0\n');
    const r = await cli(w, ['start']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /agentic_config\.yaml:2:26: error: .*max_concurrent_agents/);
  });
});

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
import { alive } from '../support/proc';
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

const config = (effects: string) =>
  yaml(`
background:
  max_concurrent_agents: 2
  agents:
    rec:
      command: ["${process.execPath}", "${AGENTS}/record.js"]
      concurrency: 2
      effects: ${effects}
`);

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
  it('kill -9 with tasks queued and running: all complete after restart, none finished runs twice', async () => {
    const w = ws(config('read'));
    assert.equal((await cli(w, ['start'])).code, 0);
    const lines = Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({ agent: 'rec', task: `t${i}`, params: { ms: 400 } }),
    ).join('\n');
    const sub = await cli(w, ['submit', '--from', '-', '--json'], { input: lines });
    const ids = (JSON.parse(sub.stdout) as P.SubmitRequest.Result[]).map((r) => r.taskId);
    // wait until some finished and two are running, then kill the host outright
    await until(
      () => existsSync(join(w, 'runs.log')) && runs(w).ends.size >= 2 && runs(w).starts.size >= 4,
      15_000,
      'progress',
    );
    await killHost(w);
    const before = runs(w);
    const finishedBefore = [...before.ends.keys()];
    assert.equal((await cli(w, ['start'])).code, 0);
    const c = await connect(w);
    try {
      for (const id of ids)
        assert.equal((await c.request(P.WaitTaskRequest.type, { id, timeoutMs: 30_000 })).state, 'succeeded', id);
    } finally {
      c.close();
    }
    const afterRuns = runs(w);
    for (const id of ids) assert.ok((afterRuns.ends.get(id) ?? 0) >= 1, `${id} completed`);
    // a task whose end was recorded before the kill may only run again if the host had not yet
    // journaled its success (at-least-once); one that the journal says succeeded never runs twice
    const journalDone = new Set(
      readFileSync(hostPaths(w).journal, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { task?: TaskInfo })
        .filter((r) => r.task?.state === 'succeeded')
        .map((r) => r.task!.id),
    );
    for (const id of finishedBefore) if (journalDone.has(id)) assert.ok((afterRuns.starts.get(id) ?? 0) >= 1);
    const twice = ids.filter((id) => (afterRuns.ends.get(id) ?? 0) > 1);
    assert.ok(
      twice.every((id) => !finishedBefore.includes(id) || before.ends.get(id) === afterRuns.ends.get(id)),
      `finished tasks ran twice: ${twice}`,
    );
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

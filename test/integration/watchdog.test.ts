// The watchdog: agents must not outlive the host, even when the host is killed -9.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { memoryLogger } from '../../host/logger';
import { runOneShot } from '../../host/agents/oneShot';
import { groupPids } from '../../host/agents/processTree';
import { Watchdog } from '../../host/agents/watchdog';
import { agent } from './helpers';
import { alive, pidsWithMarker, uniqueMarker } from '../support/proc';
import { waitFor } from '../support/wait';

const FAKE_HOST = join(__dirname, '..', 'fixtures', 'fakeHost.ts');
const T = { timeout: 30_000 };

/** Start the fake host; resolves with it and the JSON line it prints first. */
async function startFakeHost(args: string[]) {
  const host = spawn(process.execPath, ['--import', 'tsx', FAKE_HOST, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: host.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    host.once('exit', (code) => reject(new Error(`fake host exited early (${code})`)));
  });
  return { host, info: JSON.parse(first) as { pgid?: number; watchdogPid?: number } };
}

async function killHostAndMeasure(marker: string, flags: string[] = []): Promise<number> {
  const { host, info } = await startFakeHost([marker, ...flags]);
  const pgid = info.pgid!;
  assert.ok(pgid > 1 && info.watchdogPid! > 1);
  // leader, child1, child2 and the grandchild all carry the marker
  assert.notEqual(
    await waitFor(async () => (await pidsWithMarker(marker)).length >= 4, 5000),
    -1,
    'tree did not start',
  );

  const exited = new Promise((resolve) => host.once('exit', resolve));
  const t0 = performance.now();
  process.kill(host.pid!, 'SIGKILL');
  await exited;
  const ms = await waitFor(
    async () => (await pidsWithMarker(marker)).length === 0 && (await groupPids(pgid, { live: true })).length === 0,
    5000,
  );
  const total = performance.now() - t0;
  assert.notEqual(ms, -1, `agents survived the host: ${await pidsWithMarker(marker)}`);
  assert.notEqual(await waitFor(() => !alive(info.watchdogPid!), 3000), -1, 'the watchdog did not exit');
  return total;
}

test('kill -9 of the host: the watchdog kills its agent groups', T, async () => {
  const ms = await killHostAndMeasure(uniqueMarker('kill9'));
  console.log(`# agents gone ${ms.toFixed(0)} ms after kill -9 of the host`);
  assert.ok(ms < 5000);
});

test('kill -9 of the host: agents that ignore SIGTERM are SIGKILLed by the watchdog', T, async () => {
  const ms = await killHostAndMeasure(uniqueMarker('kill9term'), ['--ignore-term']);
  console.log(`# SIGTERM-ignoring agents gone ${ms.toFixed(0)} ms after kill -9 of the host`);
  assert.ok(ms < 5000);
});

test('the watchdog does not keep the host alive, and exits when the host does', T, async () => {
  const { host, info } = await startFakeHost(['--idle']);
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${info.watchdogPid}/status`, 'utf8'))?.[1];
  console.log(`# watchdog RSS ${rss} kB`);
  const code = await new Promise((resolve) => host.once('exit', resolve));
  assert.equal(code, 0);
  assert.notEqual(await waitFor(() => !alive(info.watchdogPid!), 3000), -1);
});

test('a dead watchdog is respawned once with the tracked groups, and close() still kills them', T, async () => {
  const logger = memoryLogger();
  const watchdog = Watchdog.start(logger);
  const first = watchdog.pid!;
  const marker = uniqueMarker('respawn');
  let ready!: () => void;
  const started = new Promise<void>((r) => (ready = r));
  const run = runOneShot({
    argv: [process.execPath, agent('hang.js'), marker],
    cwd: __dirname,
    env: process.env,
    onSpawn: (pid) => watchdog.track(pid),
    onStderrLine: (line) => line === 'ready' && ready(),
  });
  await started;

  process.kill(first, 'SIGKILL');
  assert.notEqual(await waitFor(() => watchdog.pid !== undefined && watchdog.pid !== first, 3000), -1, 'not respawned');
  assert.ok(logger.records.some((r) => r.msg === 'watchdog exited unexpectedly' && r.level === 'error'));

  // The host "forgets" to kill its agent: closing the pipe makes the new watchdog do it.
  await watchdog.close();
  const r = await run;
  assert.equal(r.signal, 'SIGTERM');
  assert.equal(watchdog.pid, undefined);
  assert.deepEqual(await pidsWithMarker(marker), []);
});

test('untracked groups are left alone on close', T, async () => {
  const watchdog = Watchdog.start();
  const ac = new AbortController();
  let pgid = 0;
  const run = runOneShot({
    argv: [process.execPath, agent('hang.js')],
    cwd: __dirname,
    env: process.env,
    signal: ac.signal,
    onSpawn: (pid) => {
      pgid = pid;
      watchdog.track(pid);
      watchdog.untrack(pid);
    },
  });
  await waitFor(() => pgid > 0, 2000);
  await watchdog.close();
  assert.ok(alive(pgid), 'an untracked agent was killed');
  ac.abort();
  assert.equal((await run).reason, 'cancelled');
});

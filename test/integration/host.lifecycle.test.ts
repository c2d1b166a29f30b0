// The daemon's identity and lifecycle through the real CLI: concurrent starts give one host,
// the token guards the socket, stop leaves nothing behind, exit codes are as documented.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { after, describe, it } from 'node:test';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import { hostPaths } from '../../common/node/paths';
import type { HostStatus } from '../../common/model';
import * as P from '../../common/protocol';
import { AGENTS, cleanup, cli, cliJson, hostInfo, makeWorkspace, yaml } from './helpers';
import { alive, cmdlineOf, pidsWithMarker } from '../support/proc';
import { until } from '../support/wait';

const made: string[] = [];
after(async () => {
  for (const ws of made) await cleanup(ws);
});
function ws(config?: string): string {
  const w = makeWorkspace(config);
  made.push(w);
  return w;
}

const AGENTICSCRUM = yaml(`
background:
  enabled: true
  max_concurrent_agents: 3
  task_timeout: 300
  retry_attempts: 3
  log_level: INFO
  agents:
    saa:
      max_memory: "512MB"
      max_cpu_percent: 25
      priority: high
    deva_python:
      max_memory: "1GB"
      max_cpu_percent: 50
      priority: medium
`);

describe('host lifecycle', () => {
  it('N concurrent starts give exactly one host', async () => {
    const w = ws(AGENTICSCRUM);
    const results = await Promise.all(Array.from({ length: 6 }, () => cli(w, ['start'])));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const pids = new Set(results.map((r) => /pid (\d+)/.exec(r.stdout)?.[1]));
    assert.equal(pids.size, 1, `all starts report the same host: ${results.map((r) => r.stdout).join('')}`);
    assert.equal(results.filter((r) => r.stdout.startsWith('started')).length, 1);
    const hostPid = Number([...pids][0]);
    // the losers exit once they find the lock taken: eventually exactly the one host is left
    const hosts = async () => (await pidsWithMarker(w)).filter((p) => alive(p) && cmdlineOf(p).includes('host.js'));
    await until(async () => (await hosts()).length === 1, 10_000, 'one host process');
    assert.deepEqual(await hosts(), [hostPid]);
  });

  it('loads the AgenticScrum example unchanged and lists agents without a command as unconfigured', async () => {
    const w = ws(AGENTICSCRUM);
    assert.equal((await cli(w, ['start'])).code, 0);
    const s = await cliJson<HostStatus>(w, ['status']);
    assert.equal(s.config.valid, true);
    assert.equal(s.pid, hostInfo(w).pid);
    assert.ok(s.socket.endsWith('.sock'));
    assert.equal(s.mode, 'production');
    assert.deepEqual(
      s.agents.map((a) => [a.id, a.state, a.reason]),
      [
        ['saa', 'unconfigured', 'no command configured'],
        ['deva_python', 'unconfigured', 'no command configured'],
      ],
    );
    assert.equal(s.agents[0]!.limits.maxMemoryBytes, 512_000_000);
    const sub = await cli(w, ['submit', '--agent', 'saa', '--task', 'audit']);
    assert.equal(sub.code, 2);
    assert.match(sub.stderr, /agent "saa" has no command configured/);
  });

  it('keeps the socket private and refuses clients without the token', async () => {
    const w = ws(AGENTICSCRUM);
    assert.equal((await cli(w, ['start'])).code, 0);
    const paths = hostPaths(w);
    assert.equal(statSync(paths.runtimeDir).mode & 0o777, 0o700);
    assert.equal(statSync(paths.token).mode & 0o777, 0o600);
    const sock = netConnect(paths.socket);
    await new Promise((r) => sock.once('connect', r));
    const conn = createMessageConnection(new SocketMessageReader(sock), new SocketMessageWriter(sock));
    conn.listen();
    await assert.rejects(
      conn.sendRequest(P.StatusRequest.type.method, {}),
      (e: { code: number }) => e.code === P.ErrorCodes.Unauthorized,
    );
    await assert.rejects(
      conn.sendRequest(P.HelloRequest.type.method, { protocolVersion: P.PROTOCOL_VERSION, token: 'nope', client: 'x' }),
      (e: { code: number }) => e.code === P.ErrorCodes.Unauthorized,
    );
    const token = readFileSync(paths.token, 'utf8');
    await assert.rejects(
      conn.sendRequest(P.HelloRequest.type.method, { protocolVersion: 99, token, client: 'x' }),
      (e: { code: number }) => e.code === P.ErrorCodes.VersionMismatch,
    );
    const hello = (await conn.sendRequest(P.HelloRequest.type.method, {
      protocolVersion: P.PROTOCOL_VERSION,
      token,
      client: 'x',
    })) as P.HelloRequest.Result;
    assert.equal(hello.workspace, w);
    conn.dispose();
    sock.destroy();
  });

  it('stop drains, kills what is still running and leaves no process, socket or token behind', async () => {
    const marker = `hang-marker-${process.pid}-${Date.now()}`;
    const w = ws(
      yaml(`
background:
  agents:
    hang:
      command: ["${AGENTS}/forktree.sh", "${marker}"]
`),
    );
    assert.equal((await cli(w, ['start'])).code, 0);
    const pid = hostInfo(w).pid;
    assert.equal((await cli(w, ['submit', '--agent', 'hang', '--task', 't'])).code, 0);
    await until(async () => (await pidsWithMarker(marker)).length >= 2, 10_000, 'agent processes');
    const t0 = Date.now();
    const r = await cli(w, ['stop', '--timeout', '0.5']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`stopped \\(pid ${pid}\\)`));
    assert.equal(alive(pid), false);
    assert.deepEqual(await pidsWithMarker(marker), [], 'no agent process survives the stop');
    assert.ok(Date.now() - t0 < 10_000);
    const paths = hostPaths(w);
    for (const f of [paths.socket, paths.token, paths.info]) assert.throws(() => statSync(f), /ENOENT/);
    // the interrupted read task is back in the queue, durable for the next start
    const journal = readFileSync(paths.journal, 'utf8').trim().split('\n');
    const last = JSON.parse(journal.at(-1)!) as { task: { state: string } };
    assert.equal(last.task.state, 'queued');
  });

  it('start while a stop drains waits for the old host to go, says so, then starts a new one', async () => {
    const marker = `drain-marker-${process.pid}-${Date.now()}`;
    const w = ws(
      yaml(`
background:
  agents:
    hang:
      command: ["${AGENTS}/forktree.sh", "${marker}"]
`),
    );
    assert.equal((await cli(w, ['start'])).code, 0);
    const old = hostInfo(w).pid;
    assert.equal((await cli(w, ['submit', '--agent', 'hang', '--task', 't'])).code, 0);
    await until(async () => (await pidsWithMarker(marker)).length >= 2, 10_000, 'agent processes');
    const stopping = cli(w, ['stop', '--timeout', '3']);
    const info = hostPaths(w).info;
    await until(() => (JSON.parse(readFileSync(info, 'utf8')) as { stopping?: object }).stopping, 10_000, 'the stop');
    const r = await cli(w, ['start']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`waiting for the host \\(pid ${old}\\) to finish stopping`));
    const pid = Number(/^started \(pid (\d+),/.exec(r.stdout)?.[1]);
    assert.ok(pid > 0 && pid !== old, r.stdout);
    assert.equal(alive(old), false);
    assert.equal((await stopping).code, 0);
    assert.equal(hostInfo(w).pid, pid);
  });

  it('exit codes: 3 when no host runs, 2 on bad usage', async () => {
    const w = ws(AGENTICSCRUM);
    const s = await cli(w, ['status']);
    assert.equal(s.code, 3);
    assert.match(s.stderr, /no host is running/);
    assert.equal((await cli(w, ['frobnicate'])).code, 2);
    assert.equal((await cli(w, ['status', '--jsno'])).code, 2);
    const bad = await cli(w, ['submit', '--agent', 'a', '--task', 'b', '--priority', 'urgent']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--priority must be one of high, medium, low/);
  });

  it('a stale token and socket from a killed host do not stop a new start', async () => {
    const w = ws(AGENTICSCRUM);
    assert.equal((await cli(w, ['start'])).code, 0);
    const first = hostInfo(w).pid;
    process.kill(first, 'SIGKILL');
    await until(() => !alive(first), 5000, 'host to die');
    writeFileSync(hostPaths(w).token, 'stale');
    const r = await cli(w, ['start']);
    assert.equal(r.code, 0, r.stderr);
    assert.notEqual(hostInfo(w).pid, first);
    assert.equal((await cli(w, ['status'])).code, 0);
  });
});

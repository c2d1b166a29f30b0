// Another local user against the host and its clients (issue #11), with a real second uid
// (otherUser.ts): squatting the lock's abstract socket, and posing as the host in a runtime dir
// it created first under a shared TMPDIR. Runs as root (CI); skipped elsewhere.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hostPaths } from '../../common/node/paths';
import { LOCK_NAMES, lockKey, lockName } from '../../host/daemon/lock';
import { cleanup, cli, hostInfo, makeWorkspace, yaml } from './helpers';
import { alive as pidAlive, pidsWithMarker } from '../support/proc';
import { until } from '../support/wait';
import { otherUser, runAs, type Attacker, type OtherUser } from './otherUser';

const made: string[] = [];
const attackers: Attacker[] = [];
after(async () => {
  for (const a of attackers) await a.stop();
  for (const ws of made) await cleanup(ws);
});
function ws(): string {
  const w = makeWorkspace(yaml(`\nbackground:\n  agents:\n    saa: { builtin: secrets }\n`), { 'secret.txt': 'x\n' });
  made.push(w);
  return w;
}

// binds each abstract name in NAMES (comma-separated), then reports "ready"
const SQUAT = `const net = require('net');
const names = process.env.NAMES.split(',');
let n = 0;
for (const name of names) {
  const s = net.createServer((c) => c.destroy());
  s.on('error', (e) => console.log('error ' + name + ' ' + e.code));
  s.listen('\\0' + name, () => { if (++n === names.length) console.log('ready'); });
}`;

let user: OtherUser | string;
before(async () => {
  user = await otherUser();
});
const as = (script: string, env: NodeJS.ProcessEnv): Attacker => {
  const a = runAs(user as OtherUser, script, env);
  attackers.push(a);
  return a;
};
const hosts = async (w: string) =>
  (await pidsWithMarker(w)).filter(
    (p) => pidAlive(p) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('host.js'),
  );

describe('another user: the lock', () => {
  it('cannot hold the lock name it can compute (the old uid + workspace hash)', async (t) => {
    if (typeof user === 'string') return t.skip(user);
    const w = ws();
    const a = as(SQUAT, { NAMES: `agentic-bg-0-${hostPaths(w).hash}` });
    await a.line(/^ready$/);
    const r = await cli(w, ['start']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^started/);
    assert.equal((await cli(w, ['status'])).code, 0);
  });

  it('squatting a lock name it saw in /proc/net/unix only moves the host to the next one', async (t) => {
    if (typeof user === 'string') return t.skip(user);
    const w = ws();
    assert.equal((await cli(w, ['start'])).code, 0); // creates the per-user lock key
    assert.equal((await cli(w, ['stop'])).code, 0);
    const paths = hostPaths(w);
    const seen = lockName(await lockKey(paths.lockKeys), paths.hash, 0);
    assert.match(readFileSync('/proc/net/unix', 'utf8'), /agentic-bg-/); // other hosts of this run may be listed
    const a = as(SQUAT, { NAMES: seen });
    await a.line(/^ready$/);
    const r = await cli(w, ['start']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^started/);
    const pid = hostInfo(w).pid;
    const log = readFileSync(join(paths.logsDir, 'host.log'), 'utf8');
    assert.match(
      log,
      new RegExp(
        `another user holds a lock name of this workspace: lock name 0 by pid ${a.child.pid} of uid ${(user as OtherUser).uid}`,
      ),
    );
    // still one host per workspace: the next start finds the host on lock name 1 as ours
    const again = await cli(w, ['start']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^already running \\(pid ${pid},`));
    await until(async () => (await hosts(w)).length === 1, 10_000, 'one host process');
  });

  it('with every lock name squatted, start fails at once and says who holds them', async (t) => {
    if (typeof user === 'string') return t.skip(user);
    const w = ws();
    assert.equal((await cli(w, ['start'])).code, 0);
    assert.equal((await cli(w, ['stop'])).code, 0);
    const paths = hostPaths(w);
    const key = await lockKey(paths.lockKeys);
    const names = Array.from({ length: LOCK_NAMES }, (_, i) => lockName(key, paths.hash, i));
    const a = as(SQUAT, { NAMES: names.join(',') });
    await a.line(/^ready$/);
    const r = await cli(w, ['start']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`all ${LOCK_NAMES} of its lock names are held by processes of other users`));
    assert.match(r.stderr, new RegExp(`lock name 7 by pid ${a.child.pid} of uid ${(user as OtherUser).uid}`));
    assert.doesNotMatch(r.stderr, /did not answer within/);
  });
});

describe('another user: posing as the host', () => {
  // a shared TMPDIR (like /tmp) and no XDG_RUNTIME_DIR: the runtime dir is TMPDIR/agentic-bg-0
  function sharedTmp(): { base: string; env: NodeJS.ProcessEnv } {
    const base = mkdtempSync(join(tmpdir(), 'agbg-shared-'));
    chmodSync(base, 0o1777);
    const { XDG_RUNTIME_DIR: _x, ...rest } = process.env;
    return { base, env: { ...rest, TMPDIR: base } };
  }

  // creates the runtime dir first, serves a socket in it and counts what it is sent
  const POSE = `const fs = require('fs'), net = require('net');
fs.mkdirSync(process.env.DIR, { mode: 0o700 });
fs.writeFileSync(process.env.TOKEN, 'x', { mode: 0o644 });
net.createServer((c) => { console.log('conn'); c.on('data', (d) => console.log('data ' + d.length)); })
  .listen(process.env.SOCK, () => { fs.chmodSync(process.env.SOCK, 0o777); console.log('ready'); });`;

  it('a runtime dir of another user: the CLI sends it nothing and says why', async (t) => {
    if (typeof user === 'string') return t.skip(user);
    const w = ws();
    const { base, env } = sharedTmp();
    const paths = hostPaths(w, env);
    assert.equal(paths.runtimeDir, join(base, 'agentic-bg-0'));
    const a = as(POSE, { DIR: paths.runtimeDir, SOCK: paths.socket, TOKEN: paths.token });
    await a.line(/^ready$/);
    for (const args of [
      ['submit', '--agent', 'saa', '--task', 'audit', '--file', 'secret.txt'],
      ['status'],
      ['start'],
    ]) {
      const r = await cli(w, args, { env });
      assert.equal(r.code, 1, `${args[0]}: ${r.stderr}`);
      assert.match(
        r.stderr,
        new RegExp(
          `refusing to connect: ${paths.runtimeDir} belongs to uid ${(user as OtherUser).uid}, not to you \\(0\\)`,
        ),
      );
    }
    assert.doesNotMatch(a.output(), /conn|data/, 'the impostor got a connection');
    rmSync(base, { recursive: true, force: true });
  });

  it('a runtime dir of ours that others may enter, or a socket file that is not ours: refused too', async (t) => {
    if (typeof user === 'string') return t.skip(user);
    const w = ws();
    const { base, env } = sharedTmp();
    const paths = hostPaths(w, env);
    mkdirSync(paths.runtimeDir, { mode: 0o700 });
    writeFileSync(paths.token, 'x', { mode: 0o600 });
    let connections = 0;
    const server: Server = createServer((c) => (connections++, c.destroy()));
    await new Promise<void>((r) => server.listen(paths.socket, r));
    try {
      chmodSync(paths.runtimeDir, 0o777);
      let r = await cli(w, ['status'], { env });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /has mode 0777: others may enter it; it must be 0700/);
      chmodSync(paths.runtimeDir, 0o700);
      chownSync(paths.socket, (user as OtherUser).uid, (user as OtherUser).gid);
      r = await cli(w, ['status'], { env });
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`refusing to connect: ${paths.socket} belongs to uid ${(user as OtherUser).uid}`),
      );
      assert.equal(connections, 0);
    } finally {
      await new Promise((r) => server.close(r));
      rmSync(base, { recursive: true, force: true });
    }
  });
});

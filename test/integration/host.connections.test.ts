// The host's socket against clients that never say hello, or too many of them (issue #11): a
// small frame limit and a deadline before hello, a cap on waiting and on attached connections,
// a full backlog reported as such; and a runtime dir too long for a socket path.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, lstatSync, rmSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import { connectHost } from '../../common/node/connect';
import { hostPaths, MAX_SOCKET_PATH_BYTES } from '../../common/node/paths';
import * as P from '../../common/protocol';
import { cleanup, cli, hostInfo, makeWorkspace, RUNTIME } from './helpers';
import { pidsWithMarker } from '../support/proc';
import { until } from '../support/wait';

const made: string[] = [];
const sockets: Socket[] = [];
after(async () => {
  for (const s of sockets) s.destroy();
  for (const ws of made) await cleanup(ws);
});

/** A started host whose connection limits come from `limits` (host/connectionGate.ts ENV). */
async function hostWith(limits: Record<string, string>): Promise<string> {
  const w = makeWorkspace('background:\n  agents:\n    saa: { builtin: secrets }\n');
  made.push(w);
  const r = await cli(w, ['start'], { env: { ...process.env, XDG_RUNTIME_DIR: RUNTIME, ...limits } });
  assert.equal(r.code, 0, r.stderr);
  return w;
}

function open(w: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect(hostPaths(w).socket);
    sockets.push(s);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves when the host closes the socket; rejects after timeoutMs. */
function closedByHost(s: Socket, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (s.destroyed || s.readableEnded) return resolve();
    const timer = setTimeout(() => reject(new Error(`the host kept the connection open ${timeoutMs} ms`)), timeoutMs);
    s.once('close', () => (clearTimeout(timer), resolve()));
    s.once('end', () => (clearTimeout(timer), resolve()));
    s.on('error', () => undefined);
    s.resume();
  });
}

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

describe('connections before host/hello', () => {
  // a hello deadline far away: what closes the connection here is the frame limit
  const NO_DEADLINE = { AGENTIC_HELLO_TIMEOUT_MS: '120000' };

  it('a 100 MB frame before hello is cut off at its header, not buffered', async () => {
    const w = await hostWith(NO_DEADLINE);
    const pid = hostInfo(w).pid;
    const rss0 = rssKb(pid);
    const s = await open(w);
    const closed = closedByHost(s, 15_000);
    s.write(`Content-Length: ${100 * 1024 * 1024}\r\n\r\n`);
    // the body, while the host lets us write it: with no limit it would take it all
    const mb = Buffer.alloc(1024 * 1024, 0x20);
    let sent = 0;
    let gone = false;
    void closed.then(
      () => (gone = true),
      () => undefined,
    );
    while (!gone && sent < 100) {
      if (!s.write(mb)) await new Promise((r) => (s.once('drain', r), s.once('close', r)));
      sent++;
    }
    await closed;
    assert.ok(sent < 100, `the host read ${sent} MB of the frame before closing`);
    assert.ok(rssKb(pid) - rss0 < 30 * 1024, `host RSS grew from ${rss0} kB to ${rssKb(pid)} kB`);
    assert.match(
      readFileSync(join(hostPaths(w).logsDir, 'host.log'), 'utf8'),
      /over the limit of 65536 before host\/hello/,
    );
    assert.equal((await cli(w, ['status'])).code, 0);
  });

  it('a header that never ends is cut off too', async () => {
    const w = await hostWith(NO_DEADLINE);
    const s = await open(w);
    const closed = closedByHost(s, 15_000);
    s.write('X-Padding: ' + 'a'.repeat(20_000));
    await closed;
  });

  it('a connection that never says hello is closed at the deadline; one that does is kept', async () => {
    const w = await hostWith({ AGENTIC_HELLO_TIMEOUT_MS: '700' });
    const idle = await open(w);
    const conn = await connectHost(hostPaths(w), 'test');
    await closedByHost(idle, 15_000);
    // the authenticated one outlives the deadline
    const s = await conn.request(P.StatusRequest.type, {});
    assert.equal(s.pid, hostInfo(w).pid);
    conn.close();
  });

  it('connections waiting for hello are capped: an idle one goes, a real client still gets in', async () => {
    const w = await hostWith({ ...NO_DEADLINE, AGENTIC_MAX_PENDING_CONNECTIONS: '4' });
    const idle = [];
    for (let i = 0; i < 4; i++) idle.push(await open(w));
    const first = closedByHost(idle[0]!, 30_000);
    // refused while the waiting ones may be real clients about to say hello; once the oldest has
    // idled a while (STALE_PENDING_MS), it makes room
    await until(async () => (await cli(w, ['status'])).code === 0, 20_000, 'status to get in');
    await first;
    assert.equal(idle[3]!.destroyed, false);
    assert.match(
      readFileSync(join(hostPaths(w).logsDir, 'host.log'), 'utf8'),
      /over 4 connections waiting for host\/hello: the oldest \(idle \d+ ms\) is closed/,
    );
  });

  it('a burst of 150 clients connected before any says hello all get in (the default cap)', async () => {
    const w = await hostWith({});
    const token = readFileSync(hostPaths(w).token, 'utf8');
    const socks = await Promise.all(Array.from({ length: 150 }, () => open(w)));
    const hellos = socks.map((s) => {
      const c = createMessageConnection(new SocketMessageReader(s), new SocketMessageWriter(s));
      c.listen();
      return c.sendRequest(P.HelloRequest.type.method, { protocolVersion: P.PROTOCOL_VERSION, token, client: 'burst' });
    });
    assert.equal((await Promise.all(hellos)).length, 150);
  });

  it('authenticated clients are capped, with a clear refusal', async () => {
    const w = await hostWith({ AGENTIC_MAX_CLIENTS: '2' });
    const a = await connectHost(hostPaths(w), 'a');
    const b = await connectHost(hostPaths(w), 'b');
    await assert.rejects(connectHost(hostPaths(w), 'c'), (e: { code: number; message: string }) => {
      assert.equal(e.code, P.ErrorCodes.TooManyClients);
      assert.match(e.message, /maximum of 2 clients/);
      return true;
    });
    const r = await cli(w, ['status']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /maximum of 2 clients/);
    a.close();
    b.close();
  });

  it('a full listen backlog is reported as a busy host, not as no host', async () => {
    const w = await hostWith({ AGENTIC_LISTEN_BACKLOG: '2' });
    const pid = hostInfo(w).pid;
    process.kill(pid, 'SIGSTOP'); // it accepts nothing: the kernel queues connections in the backlog
    try {
      let full = false;
      for (let i = 0; i < 64 && !full; i++) {
        await open(w).catch((e: NodeJS.ErrnoException) => {
          assert.equal(e.code, 'EAGAIN');
          full = true;
        });
      }
      assert.ok(full, 'the backlog never filled');
      const r = await cli(w, ['status']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /is running but not taking connections \(its listen backlog at .* is full\)/);
      assert.doesNotMatch(r.stderr, /no host is running/);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });
});

describe('runtime dir', () => {
  it('a host started with another runtime dir stays the only one, and start says where it listens', async () => {
    const w = makeWorkspace('background:\n  agents:\n    saa: { builtin: secrets }\n');
    made.push(w);
    assert.equal((await cli(w, ['start'])).code, 0);
    const pid = hostInfo(w).pid;
    const other = mkdtempSync(join(tmpdir(), 'agbg-rt2-'));
    try {
      const r = await cli(w, ['start'], { env: { ...process.env, XDG_RUNTIME_DIR: other } });
      assert.equal(r.code, 1, r.stdout);
      assert.match(
        r.stderr,
        new RegExp(
          `a host \\(pid ${pid}\\) already runs for ${w}, listening on ${hostPaths(w).socket}: .*XDG_RUNTIME_DIR=${RUNTIME}`,
        ),
      );
      const hosts = (await pidsWithMarker(w)).filter((p) =>
        readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('host.js'),
      );
      assert.deepEqual(hosts, [pid]);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('an XDG_RUNTIME_DIR too long for a socket path: the host uses a short one, nothing stray is left', async () => {
    const base = mkdtempSync(join(tmpdir(), 'agbg-long-'));
    const long = join(base, 'x'.repeat(117 - base.length - 1));
    assert.equal(Buffer.byteLength(long), 117);
    mkdirSync(long);
    const shortTmp = mkdtempSync(join(tmpdir(), 'agbg-t-'));
    const env = { ...process.env, XDG_RUNTIME_DIR: long, TMPDIR: shortTmp };
    const w = makeWorkspace('background:\n  agents:\n    saa: { builtin: secrets }\n');
    made.push(w);
    try {
      const r = await cli(w, ['start'], { env });
      assert.equal(r.code, 0, r.stderr);
      const paths = hostPaths(w, env);
      assert.equal(paths.runtimeDir, join(shortTmp, 'agentic-bg-0'));
      assert.ok(Buffer.byteLength(paths.socket) <= MAX_SOCKET_PATH_BYTES);
      assert.match(r.stdout, new RegExp(`socket ${paths.socket}\\)`));
      assert.equal((await cli(w, ['status'], { env })).code, 0);
      assert.match(readFileSync(join(paths.logsDir, 'host.log'), 'utf8'), /is 1\d\d bytes, over the 103-byte limit/);
      assert.equal((await cli(w, ['stop'], { env })).code, 0);
      const socketsUnder = (d: string): string[] =>
        readdirSync(d).flatMap((n) => {
          const p = join(d, n);
          const st = lstatSync(p);
          return st.isDirectory() ? socketsUnder(p) : st.isSocket() ? [p] : [];
        });
      assert.deepEqual(socketsUnder(base), []);
      assert.deepEqual(socketsUnder(shortTmp), []);
    } finally {
      rmSync(base, { recursive: true, force: true });
      rmSync(shortTmp, { recursive: true, force: true });
    }
  });
});

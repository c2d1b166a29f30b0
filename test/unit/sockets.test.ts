// The pure parts of the host's socket defences (issue #11): following frames before hello
// (host/frameScanner.ts), the connection limits from the environment (host/connectionGate.ts),
// abstract socket names in /proc/net/unix (host/daemon/socketOwner.ts), a runtime dir whose
// socket path fits in sun_path (common/node/paths.ts), the lock names (host/daemon/lock.ts).
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { FrameScanner, MAX_HEADER_BYTES } from '../../host/frameScanner';
import { connectionLimits, DEFAULT_LIMITS, pendingVictim, STALE_PENDING_MS } from '../../host/connectionGate';
import { listeningInodes } from '../../host/daemon/socketOwner';
import { hostPaths, MAX_SOCKET_PATH_BYTES, pickRuntimeDir, runtimeCandidates } from '../../common/node/paths';
import { lockKey, lockName } from '../../host/daemon/lock';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { connectHost, HostBusyError } from '../../common/node/connect';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('FrameScanner', () => {
  test('frames within the limit pass, in one chunk or byte by byte', () => {
    const text = frame('{"a":1}') + frame('') + 'content-length:3\r\nContent-Type: x\r\n\r\n[1]' + frame('"é"');
    assert.equal(new FrameScanner(16).feed(Buffer.from(text)), undefined);
    const s = new FrameScanner(16);
    for (const b of Buffer.from(text)) assert.equal(s.feed(Buffer.from([b])), undefined);
  });

  test('a frame over the limit is refused at its header, before its body', () => {
    const s = new FrameScanner(1024);
    assert.equal(s.feed(Buffer.from(frame('x'.repeat(1024)))), undefined);
    assert.match(
      s.feed(Buffer.from('Content-Length: 104857600\r\n\r\n')) ?? '',
      /a frame of 104857600 bytes, over the limit of 1024 before host\/hello/,
    );
  });

  test('the header end split across chunks is found', () => {
    const s = new FrameScanner(10);
    assert.equal(s.feed(Buffer.from('Content-Length: 2\r\n\r')), undefined);
    assert.equal(s.feed(Buffer.from('\n{}Content-Length: 11\r')), undefined);
    assert.match(s.feed(Buffer.from('\n\r\n')) ?? '', /a frame of 11 bytes/);
  });

  test('a header without its end, or without Content-Length, is refused', () => {
    const s = new FrameScanner(10);
    assert.equal(s.feed(Buffer.alloc(MAX_HEADER_BYTES, 0x61)), undefined);
    assert.match(s.feed(Buffer.from('a')) ?? '', /frame header over 8192 bytes without its end/);
    assert.match(new FrameScanner(10).feed(Buffer.from('X-Y: 1\r\n\r\n')) ?? '', /without a valid Content-Length/);
    assert.match(new FrameScanner(10).feed(Buffer.from('Content-Length: -1\r\n\r\n')) ?? '', /valid Content-Length/);
  });
});

describe('connectionLimits', () => {
  test('defaults, and each one from its variable', () => {
    assert.deepEqual(connectionLimits({}), DEFAULT_LIMITS);
    assert.equal(connectionLimits({ AGENTIC_HELLO_TIMEOUT_MS: '700' }).helloTimeoutMs, 700);
    assert.equal(connectionLimits({ AGENTIC_LISTEN_BACKLOG: '2' }).backlog, 2);
  });
  test('a value that is not a positive integer is an error naming the variable', () => {
    assert.throws(
      () => connectionLimits({ AGENTIC_MAX_CLIENTS: '0' }),
      /AGENTIC_MAX_CLIENTS must be a positive integer, got "0"/,
    );
    assert.throws(() => connectionLimits({ AGENTIC_MAX_PENDING_CONNECTIONS: '2.5' }), /AGENTIC_MAX_PENDING/);
  });
});

describe('pendingVictim', () => {
  test('under the cap nobody; over it the oldest once idle, else the newcomer', () => {
    assert.equal(pendingVictim(3, 0, 10_000, 4), 'none');
    assert.equal(pendingVictim(4, 10_000 - STALE_PENDING_MS, 10_000, 4), 'oldest');
    assert.equal(pendingVictim(4, 10_000 - STALE_PENDING_MS + 1, 10_000, 4), 'new');
    assert.equal(pendingVictim(0, undefined, 10_000, 0), 'new');
  });
});

describe('listeningInodes', () => {
  const table = [
    'Num       RefCount Protocol Flags    Type St Inode Path',
    '0000000000000000: 00000002 00000000 00010000 0001 01 111 @agentic-bg-abc@@@@@@@@',
    '0000000000000000: 00000003 00000000 00000000 0001 03 222 @agentic-bg-abc@@@@@@@@', // accepted, not listening
    '0000000000000000: 00000002 00000000 00010000 0001 01 333 @agentic-bg-abcd',
    '0000000000000000: 00000002 00000000 00010000 0001 01 444 /run/agentic-bg-abc',
    '0000000000000000: 00000002 00000000 00010000 0001 01 555 @agentic-bg-abc',
    '0000000000000000: 00000002 00000000 00010000 0001 01 666',
  ].join('\n');
  test('the listening sockets of exactly that abstract name, padded with NULs or not', () => {
    assert.deepEqual(listeningInodes(table, 'agentic-bg-abc'), [111, 555]);
    assert.deepEqual(listeningInodes(table, 'agentic-bg-x'), []);
  });
});

describe('runtime dir', () => {
  test('XDG_RUNTIME_DIR first, then TMPDIR, then /tmp', () => {
    const uid = process.getuid?.() ?? 0;
    assert.deepEqual(runtimeCandidates({ XDG_RUNTIME_DIR: '/run/user/7', TMPDIR: '/var/tmp/' }), [
      '/run/user/7/agentic-bg',
      `/var/tmp/agentic-bg-${uid}`,
      `/tmp/agentic-bg-${uid}`,
    ]);
    assert.deepEqual(runtimeCandidates({}), [`/tmp/agentic-bg-${uid}`]);
  });

  test('a dir whose socket path would not fit in sun_path is passed over, and why is kept', () => {
    const long = '/r/' + 'x'.repeat(110);
    const p = pickRuntimeDir([long, '/tmp/a'], '0123456789abcdef.sock');
    assert.equal(p.dir, '/tmp/a');
    assert.match(p.note ?? '', /is 1\d\d bytes, over the 103-byte limit of a socket path/);
    assert.equal(pickRuntimeDir(['/run/a'], 's.sock').note, undefined);
    // exactly at the limit fits; one byte more does not
    const at = '/' + 'y'.repeat(MAX_SOCKET_PATH_BYTES - 'z.sock'.length - 2);
    assert.equal(pickRuntimeDir([at, '/b'], 'z.sock').dir, at);
    assert.equal(pickRuntimeDir([at + 'y', '/b'], 'z.sock').dir, '/b');
    assert.throws(() => pickRuntimeDir([long], 's.sock'), /no runtime directory leaves room for the socket/);
  });

  test('hostPaths with a 117-byte XDG_RUNTIME_DIR puts everything in the fallback', () => {
    const xdg = '/run/' + 'x'.repeat(112);
    const p = hostPaths('/w', { XDG_RUNTIME_DIR: xdg, TMPDIR: '/t' });
    assert.equal(p.runtimeDir, `/t/agentic-bg-${process.getuid?.() ?? 0}`);
    for (const f of [p.socket, p.token, p.info, p.lockKeys.at(-1)!]) assert.ok(f.startsWith(p.runtimeDir + '/'), f);
    assert.ok(Buffer.byteLength(p.socket) <= MAX_SOCKET_PATH_BYTES);
  });
});

describe('lock names', () => {
  test('differ by key, workspace and index, and fit an abstract name', () => {
    const k1 = Buffer.alloc(32, 1);
    const k2 = Buffer.alloc(32, 2);
    const names = new Set([lockName(k1, 'h', 0), lockName(k1, 'h', 1), lockName(k2, 'h', 0), lockName(k1, 'g', 0)]);
    assert.equal(names.size, 4);
    assert.equal(lockName(k1, 'h', 0), lockName(Buffer.alloc(32, 1), 'h', 0));
    for (const n of names) assert.match(n, /^agentic-bg-[0-9a-f]{32}$/);
  });
});

describe('lock key', () => {
  test('created once however many hosts ask at once, 0600, in the first place that can hold it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agbg-key-'));
    try {
      writeFileSync(join(dir, 'a-file'), '');
      const files = [join(dir, 'a-file', 'sub', 'lock.key'), join(dir, 'k', 'lock.key')]; // ENOTDIR, then fine
      const keys = await Promise.all(Array.from({ length: 8 }, () => lockKey(files)));
      for (const k of keys) assert.deepEqual(k, keys[0]);
      assert.equal(keys[0]!.length, 32);
      assert.equal(statSync(files[1]!).mode & 0o777, 0o600);
      assert.equal(statSync(join(dir, 'k')).mode & 0o777, 0o700);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a key file others could write, or one that is not a key, is an error naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agbg-key-'));
    try {
      const file = join(dir, 'lock.key');
      await lockKey([file]);
      chmodSync(file, 0o644);
      await assert.rejects(lockKey([file]), new RegExp(`${file} is not a private file of this user`));
      chmodSync(file, 0o600);
      chmodSync(dir, 0o777);
      await assert.rejects(lockKey([file]), new RegExp(`${dir} is not a private directory of this user`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('connectHost against a socket that hangs up', () => {
  test('a host that closes the connection before answering hello is busy, not absent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agbg-hup-'));
    const paths = hostPaths('/nowhere', { XDG_RUNTIME_DIR: dir });
    mkdirSync(paths.runtimeDir, { mode: 0o700 });
    writeFileSync(paths.token, 't', { mode: 0o600 });
    const server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(paths.socket, r));
    try {
      await assert.rejects(connectHost(paths, 'test'), (e: Error) => {
        assert.ok(e instanceof HostBusyError, String(e));
        assert.match(
          e.message,
          /running but not taking connections \(it closed the connection before answering host\/hello\)/,
        );
        return true;
      });
    } finally {
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The host log: JSON lines, level filtering, size rotation, secret redaction in every sink.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HostLog, redact, redactEnv } from '../../host/log';
import type { LogRecord } from '../../common/model';

describe('host log', () => {
  it('writes JSON lines at or above its level and tells subscribers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agbg-log-'));
    const log = new HostLog({ dir, level: 'info' });
    await log.open();
    const seen: LogRecord[] = [];
    log.subscribe((r) => seen.push(r));
    const l = log.logger({ agent: 'saa' });
    l.debug('hidden');
    l.info('shown', { taskId: 't1' });
    log.setLevel('debug');
    l.debug('now shown');
    await log.close();
    const lines = readFileSync(join(dir, 'host.log'), 'utf8')
      .trim()
      .split('\n')
      .map((x) => JSON.parse(x) as LogRecord);
    assert.deepEqual(
      lines.map((r) => r.msg),
      ['shown', 'now shown'],
    );
    assert.equal(lines[0]!.agent, 'saa');
    assert.equal(lines[0]!.taskId, 't1');
    assert.equal(seen.length, 2);
    assert.deepEqual(
      log.backlog(1).map((r) => r.msg),
      ['now shown'],
    );
  });

  /** every record of the log files, oldest file first */
  function readAll(dir: string): { files: string[]; msgs: string[] } {
    const files = readdirSync(dir)
      .filter((f) => f.startsWith('host.log'))
      .sort((a, b) => rank(b) - rank(a));
    const msgs = files.flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as LogRecord).msg),
    );
    return { files, msgs };
  }
  const rank = (f: string) => (f === 'host.log' ? 0 : Number(f.slice('host.log.'.length)));

  it('keeps every record across rotations, in order, written in bursts while files rotate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agbg-log-'));
    const log = new HostLog({ dir, level: 'info', maxBytes: 2000, keep: 100 });
    await log.open();
    const l = log.logger();
    for (let i = 0; i < 200; i++) {
      l.info(`record ${i} ${'x'.repeat(50)}`);
      // a burst of 20 lands while a rotation runs; then wait for that rotation (an event, not a sleep)
      if (i % 20 === 19) await log.rotated();
    }
    await log.close();
    const { files, msgs } = readAll(dir);
    assert.ok(files.length >= 5, `several rotations happened: ${files.join(', ')}`);
    assert.deepEqual(
      msgs.map((m) => m.split(' ')[1]),
      Array.from({ length: 200 }, (_, i) => String(i)),
    );
    for (const f of files) assert.ok(readFileSync(join(dir, f)).length < 2000 + 20 * 100, f);
  });

  it('keeps a bounded number of files, and what they hold is the newest records without a gap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agbg-log-'));
    const log = new HostLog({ dir, level: 'info', maxBytes: 2000, keep: 2 });
    await log.open();
    const l = log.logger();
    for (let i = 0; i < 200; i++) {
      l.info(`record ${i} ${'x'.repeat(50)}`);
      if (i % 20 === 19) await log.rotated();
    }
    await log.close();
    const { files, msgs } = readAll(dir);
    assert.deepEqual(files, ['host.log.2', 'host.log.1', 'host.log']);
    const nums = msgs.map((m) => Number(m.split(' ')[1]));
    assert.equal(nums.at(-1), 199);
    assert.deepEqual(
      nums,
      Array.from({ length: nums.length }, (_, i) => 200 - nums.length + i),
    );
  });

  it('creates its directory 0700 and its file 0600, and tightens a file left 0644', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'agbg-log-')), 'logs');
    const log = new HostLog({ dir, level: 'info' });
    await log.open();
    log.logger().info('x');
    await log.close();
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, 'host.log')).mode & 0o777, 0o600);
    chmodSync(join(dir, 'host.log'), 0o644);
    const again = new HostLog({ dir, level: 'info' });
    await again.open();
    await again.close();
    assert.equal(statSync(join(dir, 'host.log')).mode & 0o777, 0o600);
  });

  it('redacts secrets the scanner finds inside any string, in the file, for subscribers and in the backlog', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agbg-log-'));
    const log = new HostLog({ dir, level: 'info' });
    await log.open();
    const seen: LogRecord[] = [];
    log.subscribe((r) => seen.push(r));
    const token = 'ghp_' + 'Xa8Lq2Rt9Vz4Wm6Ny1Pb3Kc7Jd5Hf0Gs2Ue4'; // assembled: no whole token in the repo
    log.logger().warn(`push failed for ${token}`, { detail: `exit code 1: fatal: token ${token}`, n: [token] });
    await log.close();
    const text = readFileSync(join(dir, 'host.log'), 'utf8') + JSON.stringify(seen) + JSON.stringify(log.backlog(5));
    assert.ok(!text.includes(token), text);
    assert.equal(seen[0]!.msg, 'push failed for [REDACTED github-token]');
    assert.equal(seen[0]!.detail, 'exit code 1: fatal: token [REDACTED github-token]');
  });

  it('redacts the values of secret-looking keys at any depth', () => {
    assert.deepEqual(
      redact({ msg: 'x', env: { GITHUB_TOKEN: 'ghp_x', PATH: '/bin' }, apiKey: 'k', nested: [{ password: 'p' }] }),
      {
        msg: 'x',
        env: { GITHUB_TOKEN: '[redacted]', PATH: '/bin' },
        apiKey: '[redacted]',
        nested: [{ password: '[redacted]' }],
      },
    );
    assert.deepEqual(redactEnv({ AWS_SECRET_ACCESS_KEY: 'abc', LOG_LEVEL: 'debug' }), {
      AWS_SECRET_ACCESS_KEY: '[redacted]',
      LOG_LEVEL: 'debug',
    });
  });
});

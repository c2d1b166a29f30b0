// The host log: JSON lines, level filtering, size rotation, secret redaction in every sink.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
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

  it('rotates by size and keeps a bounded number of files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agbg-log-'));
    const log = new HostLog({ dir, level: 'info', maxBytes: 2000, keep: 2 });
    await log.open();
    const l = log.logger();
    for (let i = 0; i < 200; i++) {
      l.info(`record ${i} ${'x'.repeat(50)}`);
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 50));
    await log.close();
    const files = readdirSync(dir).sort();
    assert.deepEqual(files, ['host.log', 'host.log.1', 'host.log.2']);
    for (const f of files) assert.ok(readFileSync(join(dir, f)).length < 2000 + 2000, f);
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

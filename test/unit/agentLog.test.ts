// A persistent agent's log (host/agents/agentLog.ts): no line lost while the file rotates, the
// kept files hold the newest lines without a gap, and every line is redacted of secrets in the
// file and in the tail status shows.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AgentLog } from '../../host/agents/agentLog';

describe('AgentLog', () => {
  it('keeps every line across rotations: the kept files hold the newest lines, in order, without a gap', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'agbg-alog-')), 'agents', 'a.log');
    const log = new AgentLog(file, 2000);
    for (let i = 0; i < 300; i++) {
      log.stderr(42, `line ${i} ${'x'.repeat(40)}`);
      // bursts of 25 land while a rotation runs; then wait for it (an event, not a sleep)
      if (i % 25 === 24) await log.settled();
    }
    await log.close();
    const nums = [`${file}.1`, file]
      .flatMap((f) => readFileSync(f, 'utf8').split('\n'))
      .map((l) => /\] line (\d+) /.exec(l)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    assert.equal(nums.at(-1), 299);
    assert.ok(nums.length > 25, `${nums.length} lines kept`);
    assert.deepEqual(
      nums,
      Array.from({ length: nums.length }, (_, i) => 300 - nums.length + i),
    );
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(file, '..')).mode & 0o777, 0o700);
  });

  it('redacts secrets in the file and the tail, and returns the line as kept', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'agbg-alog-')), 'b.log');
    const log = new AgentLog(file);
    const token = 'ghp_' + 'Xa8Lq2Rt9Vz4Wm6Ny1Pb3Kc7Jd5Hf0Gs2Ue4'; // assembled: no whole token in the repo
    assert.equal(log.stderr(7, `push failed: ${token}`), 'push failed: [REDACTED github-token]');
    log.note(`exited: ${token}`);
    await log.close();
    assert.deepEqual(log.tail(), ['push failed: [REDACTED github-token]']);
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes(token), text);
    assert.match(text, /-- exited: \[REDACTED github-token\]/);
  });
});

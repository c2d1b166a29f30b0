// `agentic-bg logs` on a host.log with a torn line (the host died mid-write) and a line that is
// JSON but no record: both are marked with their line number, the records around them still show.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { cli, cleanup, makeWorkspace } from './helpers';

describe('agentic-bg logs', () => {
  const rec = (msg: string) => JSON.stringify({ time: '2026-12-04T23:00:00.000Z', level: 'info', msg, agent: 'saa' });
  const ws = makeWorkspace(undefined, {
    '.agentic/logs/host.log':
      [rec('first'), '{"time":"2026-12-04T23:00:01.000Z","lev', '42', rec('last')].join('\n') + '\n',
  });
  after(() => cleanup(ws));

  it('marks an unreadable line and shows the records around it, exit 0', async () => {
    const r = await cli(ws, ['logs', '--lines', '10']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 4, r.stdout);
    assert.match(lines[0]!, /INFO  first \{"agent":"saa"\}$/);
    assert.match(lines[1]!, /^\[host\.log line 2: unreadable, not JSON\] \{"time"/);
    assert.match(lines[2]!, /^\[host\.log line 3: unreadable, not a log record\] 42$/);
    assert.match(lines[3]!, /INFO  last /);
  });

  it('--lines N counts from the end of the file, unreadable lines included', async () => {
    const r = await cli(ws, ['logs', '--lines', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.slice(0, 20)),
      ['[host.log line 3: un', '2026-12-04T23:00:00.'],
    );
  });
});

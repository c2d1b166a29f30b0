// /proc helpers against real processes, including a command name made of spaces and parentheses.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  groupAlive,
  groupPids,
  isSameProcess,
  killGroup,
  parseStat,
  procStartTime,
  procStat,
} from '../../host/agents/processTree';
import { waitFor } from '../support/wait';

test('parseStat finds the fields after a comm containing spaces and parentheses', () => {
  const tail = Array.from({ length: 50 }, (_, i) => String(i + 3)); // fields 3..52 hold their own number
  tail[0] = 'S';
  const s = parseStat(`4242 (a) (b c)) ${tail.join(' ')}\n`);
  assert.ok(s);
  assert.equal(s.pid, 4242);
  assert.equal(s.comm, 'a) (b c)');
  assert.equal(s.state, 'S');
  assert.equal(s.ppid, 4);
  assert.equal(s.pgrp, 5);
  assert.equal(s.nice, 19);
  assert.equal(s.startTime, '22');
  assert.equal(parseStat('garbage'), undefined);
  assert.equal(parseStat('1 (x) S 1 2'), undefined);
});

test('a real process named "a) (b c": start time, identity, group membership, group kill', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agb-ptree-'));
  const weird = join(dir, 'a) (b c');
  symlinkSync('/bin/sleep', weird); // comm is the executable's base name
  const child = spawn(weird, ['30'], { detached: true, stdio: 'ignore' });
  const pid = child.pid!;
  const exited = new Promise((resolve) => child.once('exit', (_c, sig) => resolve(sig)));
  try {
    const stat = await procStat(pid);
    assert.equal(stat?.comm, 'a) (b c');
    assert.equal(stat?.pgrp, pid);
    assert.equal(stat?.ppid, process.pid);

    const start = await procStartTime(pid);
    assert.match(start ?? '', /^\d+$/);
    assert.equal(await isSameProcess(pid, start!), true);
    assert.equal(
      await isSameProcess(pid, String(Number(start) + 1)),
      false,
      'a different start time is another process',
    );
    assert.deepEqual(await groupPids(pid), [pid]);
    assert.equal(groupAlive(pid), true);
  } finally {
    assert.equal(killGroup(pid, 'SIGTERM'), true);
  }
  assert.equal(await exited, 'SIGTERM');
  assert.notEqual(await waitFor(() => !groupAlive(pid), 2000), -1);
  assert.equal(killGroup(pid, 'SIGTERM'), false, 'ESRCH is false, not a throw');
  assert.equal(await procStartTime(pid), undefined);
  assert.equal(await isSameProcess(pid, '1'), false);
});

test('pgid 0, 1 and negatives are refused: they would mean "my group" or "everything"', () => {
  for (const bad of [0, 1, -5, 1.5, NaN]) {
    assert.equal(killGroup(bad, 0), false);
    assert.equal(groupAlive(bad), false);
  }
});

test('our own process reads back consistently', async () => {
  const s = await procStat(process.pid);
  assert.equal(s?.pid, process.pid);
  assert.equal(s?.state === 'R' || s?.state === 'S', true);
  assert.equal(await isSameProcess(process.pid, s!.startTime), true);
});

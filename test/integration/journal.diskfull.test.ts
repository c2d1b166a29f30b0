// A full disk under the queue journal, for real: `.agentic/` is a small tmpfs (mounting needs
// root, as CI runs), filled up while the host runs, then freed. A submit it cannot write is
// refused and never runs, status says error and why, the journal recovers by itself once there is
// space again, and nothing accepted before is lost (not even across a kill -9 afterwards).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { HostStatus, TaskInfo } from '../../common/model';
import { AGENTS, cleanup, cli, cliJson, hostInfo, makeWorkspace, yaml } from './helpers';
import { alive as pidAlive } from '../support/proc';
import { until } from '../support/wait';

const isRoot = process.getuid?.() === 0;
const T = { timeout: 120_000, skip: isRoot ? false : 'mounting a tmpfs needs root (CI runs as root)' };

const made: Array<{ ws: string; mnt: string }> = [];
after(async () => {
  for (const { ws, mnt } of made) {
    await cleanup(ws).catch(() => undefined);
    try {
      execFileSync('umount', ['-l', mnt]);
    } catch {
      // not mounted
    }
    rmSync(ws, { recursive: true, force: true });
  }
});

/** fills the file system of dir until it refuses (ENOSPC); returns the filler's path */
function fill(dir: string): string {
  const file = join(dir, 'filler');
  const chunk = Buffer.alloc(4096, 1);
  writeFileSync(file, '');
  for (;;) {
    try {
      writeFileSync(file, chunk, { flag: 'a' });
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
      return file;
    }
  }
}

const ran = (ws: string): string[] =>
  existsSync(join(ws, 'runs.log'))
    ? readFileSync(join(ws, 'runs.log'), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('end '))
        .map((l) => l.split(' ')[1]!)
    : [];

describe('a full disk under the journal', () => {
  it(
    'refuses the submit it cannot write, reports it, recovers by itself once there is space, loses nothing',
    T,
    async () => {
      const ws = makeWorkspace(
        yaml(`
background:
  agents:
    rec:
      command: ["${process.execPath}", "${AGENTS}/record.js"]
`),
      );
      const mnt = join(ws, '.agentic');
      mkdirSync(mnt);
      made.push({ ws, mnt });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
      assert.equal((await cli(ws, ['start'])).code, 0);

      const a = await cliJson<TaskInfo>(ws, ['submit', '--agent', 'rec', '--task', 'before', '--wait']);
      assert.equal(a.state, 'succeeded');

      const filler = fill(mnt);
      // the journal's last page may still have room: submit until a record needs a new one
      const accepted: string[] = [];
      let refused: Awaited<ReturnType<typeof cli>> | undefined;
      for (let i = 0; i < 200 && !refused; i++) {
        const r = await cli(ws, ['submit', '--agent', 'rec', '--task', `t${i}`, '--json']);
        if (r.code === 0) accepted.push((JSON.parse(r.stdout) as { taskId: string }).taskId);
        else refused = r;
      }
      assert.ok(refused, 'no submit was refused on a full disk');
      assert.match(refused.stderr, /task journal .*queue\.jsonl cannot be written .*ENOSPC/);
      const down = await cliJson<HostStatus>(ws, ['status']);
      assert.equal(down.health, 'error');
      assert.ok(
        down.healthReasons.some((r) => /task journal .* cannot be written .*new tasks are refused/.test(r)),
        down.healthReasons.join('; '),
      );
      const listed = await cliJson<TaskInfo[]>(ws, ['tasks']);
      assert.deepEqual(
        listed.map((t) => t.id).sort(),
        [a.id, ...accepted].sort(),
        'the refused task is still held in memory',
      );
      // the CLI refuses at once while the journal is down, with the same reason
      const again = await cli(ws, ['submit', '--agent', 'rec', '--task', 'refused-too']);
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /cannot be written/);

      rmSync(filler);
      await until(
        async () => (await cliJson<HostStatus>(ws, ['status'])).health === 'ok',
        20_000,
        'the journal to recover by itself',
      );
      const c = await cliJson<TaskInfo>(ws, ['submit', '--agent', 'rec', '--task', 'after', '--wait']);
      assert.equal(c.state, 'succeeded');
      const all = [a.id, ...accepted, c.id];
      await until(() => ran(ws).length >= all.length, 20_000, 'every accepted task to run');
      assert.deepEqual(ran(ws).sort(), all.sort(), 'a refused task ran, or an accepted one did not');

      // what the recovery rewrote is what a restart finds
      const pid = hostInfo(ws).pid;
      process.kill(pid, 'SIGKILL');
      await until(() => !pidAlive(pid), 5000, 'the host to die');
      assert.equal((await cli(ws, ['start'])).code, 0);
      const replayed = await cliJson<TaskInfo[]>(ws, ['tasks']);
      assert.deepEqual(replayed.map((t) => t.id).sort(), all.sort());
      assert.ok(
        replayed.every((t) => t.state === 'succeeded'),
        replayed.map((t) => `${t.task} ${t.state}`).join(', '),
      );
    },
  );
});

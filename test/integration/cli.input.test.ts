// What the CLI accepts and how it ends (issue #11): --file outside the workspace (by path or by a
// symlink) is refused unless --allow-outside, by the CLI and by the host for any client; a missing
// file or an unexpanded glob is exit 2; a directory stands for its files; exit codes follow the
// README's table; a large --json document arrives whole through a pipe; a tasks/wait whose client
// cancels or leaves is removed from the host at once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import type { HostStatus, TaskInfo } from '../../common/model';
import * as P from '../../common/protocol';
import { CLI, cleanup, cli, cliJson, connect, makeWorkspace, NODE, RUNTIME, waitTask, yaml } from './helpers';
import { until } from '../support/wait';

const made: string[] = [];
const outsideDir = mkdtempSync(join(tmpdir(), 'agbg-outside-'));
const SECRET = join(outsideDir, 'secret.txt');
writeFileSync(SECRET, 'the-outside-secret\n');
after(async () => {
  for (const w of made) await cleanup(w);
  rmSync(outsideDir, { recursive: true, force: true });
});

const CONFIG = yaml(`
background:
  retry_attempts: 0
  agents:
    cat:
      command: ["cat", "--", "\${files}"]
      output: text
    hang:
      command: ["sleep", "120"]
      concurrency: 4
    nop:
      command: ["true"]
      concurrency: 4
`);

async function started(files: Record<string, string> = {}): Promise<string> {
  const w = makeWorkspace(CONFIG, files);
  made.push(w);
  const r = await cli(w, ['start']);
  assert.equal(r.code, 0, r.stderr);
  return w;
}

const status = (w: string) => cliJson<HostStatus>(w, ['status']);

describe('CLI input', () => {
  it('refuses files outside the workspace, by path or symlink, unless --allow-outside', async () => {
    const w = await started({ 'src/a.txt': 'inside\n' });
    symlinkSync(SECRET, join(w, 'src', 'link.txt'));
    const refused: Array<[string[], RegExp]> = [
      [['--file', '../../../../../../../..' + SECRET], /is outside the workspace/],
      [['--file', SECRET], /is outside the workspace/],
      [['--file', 'src/link.txt'], /--file src\/link\.txt is outside the workspace .*\(it resolves to .*secret\.txt\)/],
      [['--file', 'src'], /--file src: src\/link\.txt is outside the workspace .*secret\.txt/],
    ];
    for (const [args, why] of refused) {
      const r = await cli(w, ['submit', '--agent', 'cat', '--task', 't', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, why);
      assert.match(r.stderr, /--allow-outside/);
    }
    assert.deepEqual(await cliJson<TaskInfo[]>(w, ['tasks']), [], 'nothing was queued');
    // explicitly allowed: the agent gets the file, by its absolute path
    const ok = await cli(w, ['submit', '--agent', 'cat', '--task', 't', '--file', SECRET, '--allow-outside', '--wait']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /the-outside-secret/);
  });

  it('a missing file or an unexpanded glob is exit 2 naming it; a --from line outside is refused by the host', async () => {
    const w = await started({ 'src/a.ts': 'x\n' });
    const missing = await cli(w, ['submit', '--agent', 'cat', '--task', 't', '--file', 'src/nope.ts']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--file src\/nope\.ts: no such file or directory/);
    const glob = await cli(w, ['submit', '--agent', 'cat', '--task', 't', '--file', 'src/*.ts']);
    assert.equal(glob.code, 2);
    assert.match(glob.stderr, /--file src\/\*\.ts: no such file or directory .*a glob is not expanded here/);
    assert.deepEqual(await cliJson<TaskInfo[]>(w, ['tasks']), []);
    // a --from batch is a machine's (like the extension's): files as written, the host judges each line
    const batch = await cli(w, ['submit', '--from', '-'], {
      input:
        JSON.stringify({ agent: 'cat', task: 't', files: ['src/a.ts'] }) +
        '\n' +
        JSON.stringify({ agent: 'cat', task: 't', files: [SECRET] }),
    });
    assert.equal(batch.code, 1);
    assert.match(batch.stdout, /^t\w+\nline 2: file .*secret\.txt is outside the workspace/);
    assert.equal((await cliJson<TaskInfo[]>(w, ['tasks'])).length, 1);
  });

  it('a directory stands for the files below it, without .git, node_modules and .agentic', async () => {
    const w = await started({
      'src/b.ts': 'b\n',
      'src/a.ts': 'a\n',
      'src/deep/c.ts': 'c\n',
      'src/node_modules/m/index.js': 'm\n',
      'src/.git/HEAD': 'ref\n',
      'other.ts': 'o\n',
    });
    const r = await cliJson<P.SubmitRequest.Result>(w, [
      'submit',
      '--agent',
      'nop',
      '--task',
      't',
      '--file',
      'src/',
      '--file',
      'other.ts',
      '--file',
      'src/a.ts',
    ]);
    const t = await waitTask(w, r.taskId);
    assert.deepEqual(t.files, ['src/a.ts', 'src/b.ts', 'src/deep/c.ts', 'other.ts']);
    const root = await cliJson<P.SubmitRequest.Result>(w, ['submit', '--agent', 'nop', '--task', 'all', '--file', '.']);
    const all = await waitTask(w, root.taskId);
    assert.ok(!all.files.some((f) => /node_modules|\.git\/|\.agentic/.test(f)), all.files.join(' '));
    assert.ok(all.files.includes('agentic_config.yaml'));
    const e = await cli(w, ['submit', '--agent', 'nop', '--task', 't', '--file', 'src/node_modules/m/index.js']);
    assert.equal(e.code, 0, 'a file named explicitly is taken even below node_modules');
  });

  it('exit codes: an unknown id is 2 for retry, cancel and restart-agent alike', async () => {
    const w = await started();
    for (const cmd of ['retry', 'cancel', 'restart-agent']) {
      const r = await cli(w, [cmd, 'no-such-id']);
      assert.equal(r.code, 2, `${cmd}: ${r.stderr}`);
      assert.match(r.stderr, /no (task|agent)/);
    }
    // a known task in the wrong state is a failure (1), not bad usage
    const sub = await cliJson<P.SubmitRequest.Result>(w, ['submit', '--agent', 'hang', '--task', 't']);
    const r = await cli(w, ['retry', sub.taskId]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /only failed, cancelled or interrupted tasks can be retried/);
    assert.equal((await cli(w, ['cancel', sub.taskId])).code, 0);
  });

  it('a --json document of several hundred KiB arrives whole through a pipe', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++)
      files[`src/a/rather/deep/directory/of/the/project/file-${String(i).padStart(5, '0')}.ts`] = '';
    const w = await started(files);
    for (const task of ['one', 'two', 'three'])
      assert.equal((await cli(w, ['submit', '--agent', 'nop', '--task', task, '--file', 'src', '--wait'])).code, 0);
    const r = await cli(w, ['tasks', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.length > 512 * 1024, `large enough to need many pipe writes: ${r.stdout.length}`);
    const tasks = JSON.parse(r.stdout) as TaskInfo[];
    assert.deepEqual(
      tasks.map((t) => t.files.length),
      [3000, 3000, 3000],
    );
  });
});

describe('tasks/wait', () => {
  it('a waiter is removed when its client cancels the request or disconnects', async () => {
    const w = await started();
    const c = await connect(w);
    try {
      const sub = await c.request(P.SubmitRequest.type, { agent: 'hang', task: 't' });
      // cancelled by the client ($/cancelRequest)
      const cts = new CancellationTokenSource();
      const waiting = c.conn.sendRequest(P.WaitTaskRequest.type.method, { id: sub.taskId }, cts.token);
      await until(async () => (await status(w)).waiters === 1, 10_000, 'one waiter');
      cts.cancel();
      await assert.rejects(waiting);
      await until(async () => (await status(w)).waiters === 0, 10_000, 'the cancelled waiter removed');
      // a client that goes away without a word
      const d = await connect(w);
      void d.request(P.WaitTaskRequest.type, { id: sub.taskId }).catch(() => undefined);
      await until(async () => (await status(w)).waiters === 1, 10_000, 'one waiter');
      d.socket.destroy();
      await until(async () => (await status(w)).waiters === 0, 10_000, 'the disconnected waiter removed');
      // agentic-bg submit --wait stopped with Ctrl-C
      const child = spawn(NODE, [CLI, 'submit', '--agent', 'hang', '--task', 'u', '--wait', '--workspace', w], {
        env: { ...process.env, XDG_RUNTIME_DIR: RUNTIME },
        stdio: 'ignore',
      });
      const exited = new Promise((r) => child.once('exit', r));
      await until(async () => (await status(w)).waiters === 1, 10_000, 'the CLI waiting');
      child.kill('SIGINT');
      await exited;
      await until(async () => (await status(w)).waiters === 0, 10_000, 'the CLI waiter removed');
      // a waiter that stays answers as before
      const stays = c.request(P.WaitTaskRequest.type, { id: sub.taskId });
      await until(async () => (await status(w)).waiters === 1, 10_000, 'one waiter');
      await c.request(P.CancelTaskRequest.type, { id: sub.taskId });
      assert.equal((await stays).state, 'cancelled');
      assert.equal((await status(w)).waiters, 0);
    } finally {
      c.close();
    }
  });
});

describe('tasks/submit from any client', () => {
  it('refuses files outside the workspace (path, absolute, symlink, ..) and oversized items, naming them', async () => {
    const w = await started({ 'src/a.ts': 'a\n' });
    symlinkSync(outsideDir, join(w, 'out'));
    const c = await connect(w);
    try {
      const refused: Array<[P.SubmitItem, RegExp]> = [
        [{ agent: 'cat', task: 't', files: ['../x.ts'] }, /file \.\.\/x\.ts is outside the workspace/],
        [{ agent: 'cat', task: 't', files: [SECRET] }, /is outside the workspace/],
        [
          { agent: 'cat', task: 't', files: ['out/secret.txt'] },
          /file out\/secret\.txt is outside the workspace .*\(it resolves to .*secret\.txt\)/,
        ],
        [{ agent: 'cat', task: 't', files: ['out/not-yet.txt'] }, /file out\/not-yet\.txt is outside the workspace/],
        [{ agent: 'cat', task: 't', files: ['out/../src/a.ts'] }, /contains a "\.\." segment/],
        [
          { agent: 'cat', task: 't', files: ['src/a.ts', 7 as unknown as string] },
          /files\[1\] must be a non-empty string/,
        ],
        [
          { agent: 'cat', task: 't', params: { blob: 'x'.repeat(70 * 1024) } },
          /params: 71 KiB as JSON, more than the limit of 64 KiB/,
        ],
        [
          { agent: 'cat', task: 't', files: Array.from({ length: 10_001 }, (_, i) => `f${i}`) },
          /10001 files in one task, more than the limit of 10000/,
        ],
      ];
      for (const [item, why] of refused) {
        await assert.rejects(c.request(P.SubmitRequest.type, item), (e: { code: number; message: string }) => {
          assert.equal(e.code, P.ErrorCodes.InvalidParams);
          assert.match(e.message, why);
          return true;
        });
      }
      // a batch answers per item, in order; the good ones are queued
      const b = await c.request(P.SubmitBatchRequest.type, {
        items: [
          { agent: 'nop', task: 'ok', files: ['src/a.ts'] },
          { agent: 'cat', task: 'bad', files: ['out/secret.txt'] },
          { agent: 'nop', task: 'new-file', files: ['src/not-written-yet.ts'] },
        ],
      });
      assert.ok('taskId' in b.results[0]!);
      assert.deepEqual(b.results[1], {
        index: 1,
        error: (b.results[1] as { error: string }).error,
      });
      assert.match((b.results[1] as { error: string }).error, /outside the workspace/);
      assert.ok('taskId' in b.results[2]!, 'a file inside that does not exist (yet) is not the host’s to refuse');
      // allowOutside: the client's user said so
      const ok = await c.request(P.SubmitRequest.type, {
        agent: 'cat',
        task: 't',
        files: [SECRET],
        allowOutside: true,
      });
      assert.match((await waitTask(w, ok.taskId)).outputTail?.join('\n') ?? '', /the-outside-secret/);
    } finally {
      c.close();
    }
  });
});

// Large tasks through the real host (issue #11): a Save All batch of 3000 files reaches a one-shot
// agent (by file, not in an environment string Linux refuses), the built-in secrets agent scans
// such a batch, and a task whose argv Linux refuses (E2BIG through ${files}) fails alone with the
// reason, is not retried and never quarantines its agent for the other tasks.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { HostStatus, TaskInfo } from '../../common/model';
import * as P from '../../common/protocol';
import { hostPaths } from '../../common/node/paths';
import { AGENTS, cleanup, cli, cliJson, connect, makeWorkspace, NODE, ROOT, yaml } from './helpers';

const made: string[] = [];
after(async () => {
  for (const w of made) await cleanup(w);
});

// 3000 names of ~60 bytes: ~180 KiB of file names, over the 128 KiB one environment string holds
const FILES = Array.from(
  { length: 3000 },
  (_, i) => `src/components/feature-${Math.floor(i / 100)}/widget-${String(i).padStart(4, '0')}-view.component.tsx`,
);
/** the task-size.js fixture's report, from its `key=JSON` lines */
const report = (t: TaskInfo): Record<string, unknown> =>
  Object.fromEntries(
    (t.outputTail ?? []).map((l) => [l.slice(0, l.indexOf('=')), JSON.parse(l.slice(l.indexOf('=') + 1))]),
  );

const CONFIG = yaml(`
background:
  retry_attempts: 3
  retry_backoff: { initial: 20ms, factor: 1, jitter: false }
  agents:
    size:
      command: ["${NODE}", "${AGENTS}/task-size.js"]
      output: text
    saa:
      builtin: secrets
    joined:
      command: ["echo", "files: \${files}"]
      output: text
      restart: { max_restarts: 1, cooldown: 10m }
`);

async function started(files: Record<string, string> = {}): Promise<string> {
  const w = makeWorkspace(CONFIG, files);
  made.push(w);
  const r = await cli(w, ['start']);
  assert.equal(r.code, 0, r.stderr);
  return w;
}

describe('large tasks', () => {
  it('a 3000-file task with params reaches a one-shot agent: AGENTIC_TASK_FILE, stdin, a small AGENTIC_TASK', async () => {
    const w = await started();
    const c = await connect(w);
    try {
      const params = { note: 'n'.repeat(40 * 1024) };
      const { taskId } = await c.request(P.SubmitRequest.type, { agent: 'size', task: 't', files: FILES, params });
      const t = await c.request(P.WaitTaskRequest.type, { id: taskId, timeoutMs: 30_000 });
      assert.equal(t.state, 'succeeded', `${t.reason}: ${t.detail}`);
      const got = report(t);
      assert.equal(got.envFiles, null, 'AGENTIC_TASK holds no file list');
      assert.ok((got.envBytes as number) < 1024, `AGENTIC_TASK is small: ${String(got.envBytes)} bytes`);
      assert.equal(got.envFileCount, 3000);
      assert.equal(got.envRef, got.file);
      assert.equal(got.fileFiles, 3000);
      assert.deepEqual(got.fileParams, ['note']);
      assert.equal(got.stdinFiles, 3000);
      // the payload file lives as long as the attempt
      assert.ok(!existsSync(got.file as string), 'removed after the attempt');
      // a small task keeps its JSON in AGENTIC_TASK, as it always did
      const small = await c.request(P.SubmitRequest.type, { agent: 'size', task: 's', files: ['a.ts'] });
      const s = await c.request(P.WaitTaskRequest.type, { id: small.taskId, timeoutMs: 30_000 });
      const sg = report(s);
      assert.deepEqual([sg.envFiles, sg.file, sg.stdinFiles], [1, null, 1]);
    } finally {
      c.close();
    }
  });

  it('the built-in secrets agent scans a 3000-file batch', async () => {
    const files: Record<string, string> = {};
    for (const f of FILES) files[f] = 'export const x = 1;\n';
    const leak = readFileSync(join(ROOT, 'test/fixtures/secrets/config/settings.py'), 'utf8');
    files[FILES[2999]!] = leak;
    // not in the task: a scan that lost the file list would scan the workspace and report it
    files['other/not-in-the-task.py'] = leak;
    const w = await started(files);
    const c = await connect(w);
    try {
      const { taskId } = await c.request(P.SubmitRequest.type, { agent: 'saa', task: 'audit', files: FILES });
      const t = await c.request(P.WaitTaskRequest.type, { id: taskId, timeoutMs: 60_000 });
      assert.equal(t.state, 'succeeded', `${t.reason}: ${t.detail}`);
      assert.ok(t.findings!.length > 0);
      assert.ok(t.findings!.every((f) => f.file === FILES[2999]));
    } finally {
      c.close();
    }
  });

  it('E2BIG through ${files} fails that task alone (too_large, not retried) and never quarantines the agent', async () => {
    const w = await started();
    const c = await connect(w);
    try {
      // max_restarts 1: two failed starts would quarantine it, if they were counted
      for (let i = 0; i < 3; i++) {
        const { taskId } = await c.request(P.SubmitRequest.type, { agent: 'joined', task: `big${i}`, files: FILES });
        const t = await c.request(P.WaitTaskRequest.type, { id: taskId, timeoutMs: 30_000 });
        assert.equal(t.state, 'failed');
        assert.equal(t.reason, 'too_large');
        assert.equal(t.attempts, 1, 'not retried: it would fail the same way');
        assert.match(
          t.detail!,
          /the agent cannot be started with this task: Linux refused 2 arguments of \d+ KiB \(the largest \d+ KiB\)/,
        );
        assert.match(t.detail!, /E2BIG/);
        assert.match(t.detail!, /\$\{files\} in the command puts all 3000 files into arguments: split the task/);
      }
      const s = await cliJson<HostStatus>(w, ['status']);
      const a = s.agents.find((x) => x.id === 'joined')!;
      assert.notEqual(a.state, 'quarantined', a.reason);
      assert.ok(!s.healthReasons.some((r) => /quarantined/.test(r)), s.healthReasons.join('; '));
      // the agent still runs everyone else's tasks
      const ok = await c.request(P.SubmitRequest.type, { agent: 'joined', task: 'small', files: ['a.ts', 'b.ts'] });
      const t = await c.request(P.WaitTaskRequest.type, { id: ok.taskId, timeoutMs: 30_000 });
      assert.equal(t.state, 'succeeded', `${t.reason}: ${t.detail}`);
      assert.deepEqual(t.outputTail, ['files: a.ts b.ts']);
      // no payload file is left behind
      const left = readdirSync(hostPaths(w).taskLogsDir).filter((f) => f.endsWith('.task.json'));
      assert.deepEqual(left, []);
    } finally {
      c.close();
    }
  });

  it('the CLI submits a 3000-file directory and waits for it', async () => {
    const files: Record<string, string> = {};
    for (const f of FILES) files[f] = '';
    const w = await started(files);
    const t = await cliJson<TaskInfo>(w, ['submit', '--agent', 'size', '--task', 't', '--file', 'src', '--wait']);
    assert.equal(t.state, 'succeeded', `${t.reason}: ${t.detail}`);
    assert.equal(t.files.length, 3000);
  });
});

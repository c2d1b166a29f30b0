// Secrets an agent prints never reach a sink whole: agents that print an AWS key id and secret,
// a GitHub token and a private key block on stdout and stderr (one-shot, and persistent on the
// SDK), then every place that output can land is read and searched: `logs`, `status --json`
// (stderrTail), `tasks --json`, `submit --wait` (outputTail, detail), every file under .agentic/
// (task and agent logs, host.log, the journal) and every notification a client was sent. Files
// under .agentic/ are 0600 and directories 0700.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { HostStatus, TaskInfo } from '../../common/model';
import * as P from '../../common/protocol';
import { AGENTS, cleanup, cli, cliJson, connect, makeWorkspace, NODE, yaml } from './helpers';
import { until } from '../support/wait';

const secrets = createRequire(__filename)(join(AGENTS, 'leaky-secrets.js')) as { ALL: string[] };

function leaks(text: string): string[] {
  return secrets.ALL.filter((s) => text.includes(s));
}

/** every file and directory under dir, with its text (files) and permission bits */
function walk(dir: string): Array<{ path: string; dir: boolean; mode: number; text: string }> {
  const out: Array<{ path: string; dir: boolean; mode: number; text: string }> = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push({ path: p, dir: true, mode: st.mode & 0o777, text: '' }, ...walk(p));
    else out.push({ path: p, dir: false, mode: st.mode & 0o777, text: readFileSync(p, 'latin1') });
  }
  return out;
}

describe('secrets printed by agents', () => {
  const w = makeWorkspace(
    yaml(`
background:
  agents:
    leak:
      command: ["${NODE}", "${join(AGENTS, 'leaky.js')}"]
      output: text
      retry_attempts: 0
    leakp:
      command: ["${NODE}", "${join(AGENTS, 'leaky.js')}", "--persistent"]
      persistent: true
      retry_attempts: 0
`),
  );
  after(() => cleanup(w));

  it('are redacted in every sink, and .agentic/ is owner-only', { timeout: 120_000 }, async () => {
    assert.equal((await cli(w, ['start'])).code, 0);
    const c = await connect(w);
    const notified: string[] = [];
    for (const n of [P.LogNotification, P.TasksNotification, P.AgentsNotification, P.StatusNotification])
      c.onNotification(n.type as P.NotificationDef<unknown>, (p: unknown) => notified.push(JSON.stringify(p)));
    await c.request(P.SubscribeLogRequest.type, { level: 'trace', backlog: 0 });

    const one = await cli(w, ['submit', '--agent', 'leak', '--task', 'deploy', '--wait']);
    assert.equal(one.code, 1, one.stdout + one.stderr);
    const pers = await cli(w, ['submit', '--agent', 'leakp', '--task', 'upload', '--wait']);
    assert.equal(pers.code, 1, pers.stdout + pers.stderr);
    const oneJson = await cliJson<TaskInfo[]>(w, ['tasks']);
    const status = await until(
      async () => {
        const s = await cliJson<HostStatus>(w, ['status']);
        return s.agents.find((a) => a.id === 'leakp')?.stderrTail?.length ? s : undefined;
      },
      10_000,
      'the persistent agent stderr tail in status',
    );
    const logs = await cli(w, ['logs', '--lines', '5000']);
    c.close();

    const files = walk(join(w, '.agentic'));
    const sinks: Record<string, string> = {
      'submit --wait (one-shot)': one.stdout + one.stderr,
      'submit --wait (persistent)': pers.stdout + pers.stderr,
      'tasks --json': JSON.stringify(oneJson),
      'status --json': JSON.stringify(status),
      logs: logs.stdout,
      notifications: notified.join('\n'),
      ...Object.fromEntries(files.filter((f) => !f.dir).map((f) => [f.path.slice(w.length + 1), f.text])),
    };
    for (const [sink, text] of Object.entries(sinks)) assert.deepEqual(leaks(text), [], `${sink} holds a secret`);

    // the output did reach the sinks, as marks: the test is not passing on empty sinks
    const t = oneJson.find((x) => x.agent === 'leak')!;
    assert.match(t.detail!, /exit code 3: stderr: git push failed with token \[REDACTED github-token\]/);
    assert.ok(
      t.outputTail!.includes('AWS_SECRET_ACCESS_KEY=[REDACTED aws-secret-access-key]'),
      t.outputTail!.join('\n'),
    );
    assert.match(one.stdout, /\[REDACTED private-key\]/);
    const taskLog = sinks[`.agentic/logs/tasks/${t.id}.log`]!;
    assert.match(taskLog, /stdout: using key id \[REDACTED aws-access-key-id\]/);
    assert.match(
      taskLog,
      /-----BEGIN RSA PRIVATE KEY-----\n\[REDACTED private-key\]\n\[REDACTED private-key\]\n-----END/,
    );
    const p = oneJson.find((x) => x.agent === 'leakp')!;
    assert.match(p.detail!, /\[REDACTED github-token\]/);
    assert.match(sinks[`.agentic/logs/tasks/${p.id}.log`]!, /uploading with \[REDACTED aws-access-key-id\]/);
    assert.match(sinks['.agentic/logs/agents/leakp.log']!, /start: using key id \[REDACTED aws-access-key-id\]/);
    assert.match(JSON.stringify(status.agents.find((a) => a.id === 'leakp')!.stderrTail), /REDACTED github-token/);
    assert.match(logs.stdout, /task failed.*\[REDACTED github-token\]/);
    assert.match(sinks['notifications']!, /REDACTED github-token/);

    for (const f of files) assert.equal(f.mode, f.dir ? 0o700 : 0o600, `${f.path} is ${f.mode.toString(8)}`);
  });
});

// AI coding CLIs as agents, through the real host, with a fake CLI that behaves like one
// (test/fixtures/agents/fake-ai-cli.js): the host renders the persona and the prompt into its
// argv, the CLI streams, edits a file, and when rate limited (429 + Retry-After, exit 1) the next
// attempt waits at least what it asked for.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AgentInfo, HostStatus, TaskInfo } from '../../common/model';
import * as P from '../../common/protocol';
import { AGENTS, cleanup, cli, cliJson, connect, makeWorkspace, NODE, yaml } from './helpers';
import { argv, startHost, submitWait } from './toolsSupport';

const made: string[] = [];
after(async () => {
  for (const w of made) await cleanup(w);
});

const FAKE = join(AGENTS, 'fake-ai-cli.js');
const PERSONA = yaml(`
# AgenticScrum's layout: agents/<agent>/persona_rules.yaml
role: "Developer Agent (Python)"
goal: "Keep the code modern without changing behaviour."
rules:
  - "Edit only the files you are given."
`);

const CONFIG = yaml(`
background:
  retry_attempts: 2
  retry_backoff: { initial: 50ms, factor: 2, max: 1s, jitter: false }
  agents:
    deva:
      command: ${argv(NODE, FAKE, '-p', '${prompt}')}
      persona: agents/deva_python/persona_rules.yaml
      prompt: |
        Task: \${task} (requested with \${params})
        replace "var " with "let " in \${files}
      env: { FAKE_AI_RATE_LIMIT: "1", FAKE_AI_RETRY_AFTER: "2", FAKE_AI_STEP_MS: "80" }
    deva-file:
      command: ${argv(NODE, FAKE, '--prompt-file', '${prompt_file}')}
      persona: agents/deva_python/persona_rules.yaml
    lost:
      command: ${argv(NODE, FAKE, '-p', '${prompt}')}
      persona: agents/nobody/persona_rules.yaml
`);

interface Call {
  call: number;
  start: number;
  end: number;
  prompt: string;
  stdin: string;
  exit: number;
}

function ws(): string {
  const w = makeWorkspace(CONFIG, {
    'agents/deva_python/persona_rules.yaml': PERSONA,
    'src/legacy.js': 'var a = 1;\nvar b = 2;\nconsole.log(a + b);\n',
  });
  made.push(w);
  return w;
}

const calls = (w: string): Call[] =>
  readFileSync(join(w, '.fake-ai', 'calls.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Call);

describe('AI agents', () => {
  it('renders persona + prompt into the argv, edits the file, and backs off for as long as a 429 asks', async () => {
    const w = ws();
    await startHost(w);
    const status = await cliJson<HostStatus>(w, ['status']);
    assert.equal(
      status.agents.find((a: AgentInfo) => a.id === 'deva')!.effects,
      'write',
      'an agent with a prompt edits files',
    );

    const c = await connect(w);
    let t: TaskInfo;
    try {
      const sub = await c.request(P.SubmitRequest.type, {
        agent: 'deva',
        task: 'modernize',
        files: ['src/legacy.js'],
        params: { style: 'es2015' },
      });
      t = await c.request(P.WaitTaskRequest.type, { id: sub.taskId, timeoutMs: 120_000 });
      const log = await c.request(P.TaskLogRequest.type, { id: sub.taskId });
      // the task's log holds what the last attempt streamed (each attempt starts it anew)
      assert.match(
        log.text,
        /Session 2 · reading the prompt[\s\S]*Editing src\/legacy\.js[\s\S]*Done: edited 1 file\(s\)\./,
      );
    } finally {
      c.close();
    }

    assert.equal(t.state, 'succeeded', t.detail);
    assert.equal(t.exitCode, 0);
    assert.equal(t.attempts, 2);
    const [first, second] = t.attemptLog!;
    assert.equal(first!.reason, 'rate_limited');
    assert.equal(first!.exitCode, 1);
    assert.match(first!.detail!, /^exit code 1: Retry-After: 2 \(retry after 2s\)$/);
    const gap = Date.parse(second!.startedAt) - Date.parse(first!.finishedAt!);
    assert.ok(gap >= 2000, `the retry waited for Retry-After (2 s), not the 50 ms backoff: ${gap} ms`);
    const [c1, c2] = calls(w);
    assert.equal(c1!.exit, 1);
    assert.ok(c2!.start - c1!.end >= 2000, `the CLI itself saw ${c2!.start - c1!.end} ms between its calls`);
    assert.ok(c2!.end - c2!.start >= 3 * 80, 'it streamed over time');

    // the prompt: the persona first, then the template with the task, params and files
    assert.equal(
      c2!.prompt,
      `${PERSONA.trimEnd()}\n\nTask: modernize (requested with {"style":"es2015"})\nreplace "var " with "let " in src/legacy.js\n`,
    );
    assert.equal(c2!.stdin, '', 'stdin is closed: a CLI would append it to the prompt');
    assert.equal(readFileSync(join(w, 'src', 'legacy.js'), 'utf8'), 'let a = 1;\nlet b = 2;\nconsole.log(a + b);\n');
    assert.deepEqual(t.outputTail, [
      '● Session 2 · reading the prompt (' + c2!.prompt.length + ' chars)',
      '● Thinking…',
      '● Editing src/legacy.js',
      'Done: edited 1 file(s).',
    ]);

    const human = await cli(w, ['tasks', '--limit', '1']);
    assert.match(human.stdout, /deva\s+modernize\s+succeeded/);
  });

  it('without a template the persona, task and files make the prompt; ${prompt_file} hands it over as a file', async () => {
    const w = ws();
    await startHost(w);
    const t = await submitWait(w, ['--agent', 'deva-file', '--task', 'review', '--file', 'src/legacy.js']);
    assert.equal(t.state, 'succeeded', t.detail);
    const [call] = calls(w);
    assert.equal(call!.prompt, `${PERSONA.trimEnd()}\n\nTask: review\n\nFiles:\n- src/legacy.js`);
    assert.equal(readFileSync(join(w, '.agentic', 'logs', 'tasks', `${t.id}.prompt.md`), 'utf8'), call!.prompt);
  });

  it('a missing persona file is a usage error: failed at once, naming the file', async () => {
    const w = ws();
    await startHost(w);
    const r = await cli(w, ['submit', '--agent', 'lost', '--task', 'x', '--wait', '--json']);
    assert.equal(r.code, 1);
    const t = JSON.parse(r.stdout) as TaskInfo;
    assert.equal(t.state, 'failed');
    assert.equal(t.reason, 'usage_error');
    assert.equal(t.attempts, 1);
    assert.equal(t.detail, 'cannot read the persona file agents/nobody/persona_rules.yaml: no such file');
  });
});

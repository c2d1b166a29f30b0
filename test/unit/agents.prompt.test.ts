// AI agents: prompt rendering, Retry-After parsing, exit code classes, output tails, and the
// config keys that declare them (persona, prompt, baseline, exit_codes).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyExit, parseRetryAfter, tailLines } from '../../host/agents/exitStatus';
import { argvUses, renderPrompt } from '../../host/agents/prompt';
import { parseConfigText } from '../../host/config/load';

const input = { agent: 'deva', task: 'fix-lint', files: ['src/a.ts', 'src/b.ts'], workspace: '/w' };

describe('renderPrompt', () => {
  it('without a template: persona, task, files and params, one per paragraph', () => {
    assert.equal(
      renderPrompt(undefined, { ...input, persona: 'role: dev\n', params: { max: 3 } }),
      'role: dev\n\nTask: fix-lint\n\nFiles:\n- src/a.ts\n- src/b.ts\n\nParameters: {"max":3}',
    );
    assert.equal(renderPrompt(undefined, { ...input, files: [] }), 'Task: fix-lint');
  });

  it('fills a template; the persona goes first unless the template places it', () => {
    const t =
      'Do ${task} on ${files} (first ${file}) in ${workspace} as ${agent}; style=${params.style}; all=${params}';
    assert.equal(
      renderPrompt(t, { ...input, params: { style: 'terse', n: 2 } }),
      'Do fix-lint on src/a.ts, src/b.ts (first src/a.ts) in /w as deva; style=terse; all={"style":"terse","n":2}',
    );
    assert.equal(
      renderPrompt('Task ${task}', { ...input, persona: 'P' }),
      'P\n\nTask ${task}'.replace('${task}', 'fix-lint'),
    );
    assert.equal(
      renderPrompt('Task ${task}\n---\n${persona}', { ...input, persona: 'P\n\n' }),
      'Task fix-lint\n---\nP',
    );
  });

  it('leaves unknown variables as written, honours $${ and gives missing params as empty', () => {
    assert.equal(
      renderPrompt('${nope} $${task} ${params.x} ${params.n}', { ...input, params: { n: [1] } }),
      '${nope} ${task}  [1]',
    );
  });

  it('argvUses sees ${prompt} and ${prompt_file}, not their escaped forms', () => {
    assert.equal(argvUses(['claude', '-p', '${prompt}'], 'prompt'), true);
    assert.equal(argvUses(['aider', '--message-file=${prompt_file}'], 'prompt_file'), true);
    assert.equal(argvUses(['aider', '--message-file=${prompt_file}'], 'prompt'), false);
    assert.equal(argvUses(['echo', '$${prompt}'], 'prompt'), false);
  });
});

describe('parseRetryAfter', () => {
  it('reads the forms APIs and CLIs print, the last one winning', () => {
    assert.equal(parseRetryAfter(['Error: 429 Too Many Requests', 'Retry-After: 30']), 30_000);
    assert.equal(parseRetryAfter(['{"type":"rate_limit_error","retry_after": 2.5}']), 2500);
    assert.equal(parseRetryAfter(['retry-after=750ms']), 750);
    assert.equal(parseRetryAfter(['please retry after 2 minutes']), 120_000);
    assert.equal(parseRetryAfter(['Retry after 5 sheep']), 5000);
    assert.equal(parseRetryAfter(['retry-after: 1', 'x', 'RETRY_AFTER 4s']), 4000);
    assert.equal(
      parseRetryAfter(['Retry-After: Wed, 21 Oct 2015 07:28:30 GMT'], Date.parse('2015-10-21T07:28:00Z')),
      30_000,
    );
  });

  it('finds nothing in ordinary failures', () => {
    assert.equal(parseRetryAfter(['Error: 500 internal error', 'will retry later', 'retry-after: soon']), undefined);
    assert.equal(parseRetryAfter([]), undefined);
  });
});

describe('exit codes and output tails', () => {
  it("classifies by the agent's lists", () => {
    const codes = { done: [0, 2], usageError: [1] };
    assert.equal(classifyExit(2, codes), 'done');
    assert.equal(classifyExit(1, codes), 'usage_error');
    assert.equal(classifyExit(3, codes), 'failure');
  });

  it('keeps the last non-empty lines, without colours, cut to a width', () => {
    assert.deepEqual(tailLines('a\n\nb\r\n\u001b[32mc\u001b[0m\n\n', 2), ['b', 'c']);
    assert.deepEqual(tailLines('x'.repeat(10), 1, 5), ['xxxx…']);
    assert.deepEqual(tailLines('', 3), []);
  });
});

describe('config: AI agents, baselines, exit codes', () => {
  const load = (agent: string) =>
    parseConfigText(`background:\n  agents:\n    a:\n${agent.replace(/^/gm, '      ')}\n`, 'agentic_config.yaml');

  it('an agent with a prompt or a persona defaults to effects write and to done = [0]', () => {
    const r = load(
      'command: ["claude", "-p", "${prompt}"]\npersona: agents/saa/persona_rules.yaml\nprompt: "Review ${files}"',
    );
    assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
    const a = r.config.agents.a!;
    assert.equal(a.effects, 'write');
    assert.equal(a.persona, 'agents/saa/persona_rules.yaml');
    assert.equal(a.prompt, 'Review ${files}');
    assert.deepEqual(a.exitCodes, { done: [0], usageError: [2] });
    assert.equal(a.baseline, false);
    const ro = load('command: ["x"]\nprompt: "p"\neffects: read');
    assert.ok(ro.ok);
    assert.equal(ro.config.agents.a!.effects, 'read');
  });

  it('exit_codes: one list given moves its codes out of the other default', () => {
    const tsc = load('command: ["tsc"]\nexit_codes: { done: [0, 2] }\nbaseline: true');
    assert.ok(tsc.ok);
    assert.deepEqual(tsc.config.agents.a!.exitCodes, { done: [0, 2], usageError: [] });
    assert.equal(tsc.config.agents.a!.baseline, true);
    const u = load('command: ["x"]\nexit_codes: { usage_error: [1, 2] }');
    assert.ok(u.ok);
    assert.deepEqual(u.config.agents.a!.exitCodes, { done: [0], usageError: [1, 2] });
    const plain = load('command: ["x"]');
    assert.ok(plain.ok);
    assert.deepEqual(plain.config.agents.a!.exitCodes, { done: [0, 1], usageError: [2] });
    assert.equal(plain.config.agents.a!.effects, 'read');
  });

  it('rejects a code in both lists and an unknown key, with a position', () => {
    const both = load('command: ["x"]\nexit_codes: { done: [0, 2], usage_error: [2] }');
    assert.equal(both.ok, false);
    assert.ok(!both.ok && both.issues.some((i) => /both `done` and `usage_error`/.test(i.message) && i.line === 5));
    const typo = load('command: ["x"]\nprompts: "p"');
    assert.equal(typo.ok, false);
  });
});

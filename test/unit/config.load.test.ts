import { strict as assert } from 'node:assert';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_CONFIG_FILE, resolveConfig } from '../../common/configSchema';
import type { ConfigIssue } from '../../common/model';
import { formatIssue, loadConfigFile, parseConfigText, type LoadResult } from '../../host/config/load';

const AGENTIC_SCRUM = `background:
  enabled: true
  max_concurrent_agents: 3
  task_timeout: 300
  retry_attempts: 3
  log_level: INFO
  agents:
    saa:
      max_memory: "512MB"
      max_cpu_percent: 25
      priority: high
    deva_python:
      max_memory: "1GB"
      max_cpu_percent: 50
      priority: medium
`;

const FULL_EXAMPLE = `background:
  enabled: true
  mode: production            # development: verbose logs, one task at a time, no throttling
  max_concurrent_agents: 3
  task_timeout: 300           # seconds
  retry_attempts: 3           # retries after the first attempt
  retry_backoff: { initial: 1s, factor: 2, max: 60s, jitter: true }
  log_level: INFO
  agents:
    saa:                      # AgenticScrum's security audit agent
      builtin: secrets        # or: command: ["node", "tools/audit.js", "\${files}"]
      max_memory: "512MB"
      max_cpu_percent: 25
      priority: high          # high | medium | low
      timeout: 120
      concurrency: 1
      persistent: false       # true: long-lived JSON-RPC agent
      effects: read           # read | write: decides what a crash does to its task
      output: sarif           # sarif | text | a problem pattern (gcc, tsc, eslint-compact, or a regex)
      restart: { max_restarts: 5, window: 180s }
      env: { LOG_LEVEL: debug }
  triggers:
    - on: save
      files: "src/**/*.{ts,py}"
      agent: saa
      task: security-audit
      debounce: 300ms         # files saved within the window go together; an agent with
                              # batch: true gets them in one task (\${files})
`;

function ok(r: LoadResult): Extract<LoadResult, { ok: true }> {
  if (!r.ok) assert.fail(`expected ok, got:\n${r.issues.map((i) => formatIssue(i, 'cfg')).join('\n')}`);
  return r;
}

/** The only error of `text`, which must fail to load. */
function onlyError(text: string): ConfigIssue {
  const r = parseConfigText(text, 'agentic_config.yaml');
  assert.equal(r.ok, false, 'expected the config to be rejected');
  const errors = r.issues.filter((i) => i.severity === 'error');
  assert.equal(errors.length, 1, `expected one error, got:\n${errors.map((i) => formatIssue(i, 'cfg')).join('\n')}`);
  return errors[0]!;
}

function at(issue: ConfigIssue, line: number, column: number): void {
  assert.deepEqual([issue.line, issue.column], [line, column], `position of: ${issue.message}`);
}

describe('valid files', () => {
  test("AgenticScrum's example loads unchanged", () => {
    const r = ok(parseConfigText(AGENTIC_SCRUM, 'agentic_config.yaml'));
    const c = r.config;
    assert.deepEqual(Object.keys(c.agents), ['saa', 'deva_python']);
    assert.equal(c.enabled, true);
    assert.equal(c.maxConcurrentAgents, 3);
    assert.equal(c.taskTimeoutMs, 300_000);
    assert.equal(c.retryAttempts, 3);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.agents.saa!.maxMemoryBytes, 512_000_000);
    assert.equal(c.agents.saa!.maxCpuPercent, 25);
    assert.equal(c.agents.saa!.priority, 'high');
    assert.equal(c.agents.saa!.kind, 'none');
    assert.equal(c.agents.deva_python!.maxMemoryBytes, 1e9);
    assert.equal(c.agents.deva_python!.priority, 'medium');
    assert.equal(c.agents.deva_python!.timeoutMs, 300_000);
    // No commands: warnings, one per agent, at the agent's key, never errors.
    assert.ok(r.issues.every((i) => i.severity === 'warning'));
    const deva = r.issues.find((i) => i.path === 'background.agents.deva_python');
    assert.equal(deva?.message, 'agent "deva_python" has no command configured; it is listed but cannot run tasks');
    at(deva!, 12, 5);
    assert.equal(r.issues.length, 2);
  });

  test('the full example, every agent key set, loads', () => {
    const r = ok(parseConfigText(FULL_EXAMPLE, 'agentic_config.yaml'));
    assert.deepEqual(r.issues, []);
    const c = r.config;
    assert.equal(c.mode, 'production');
    assert.deepEqual(c.retryBackoff, { initialMs: 1000, factor: 2, maxMs: 60_000, jitter: true });
    const saa = c.agents.saa!;
    assert.equal(saa.kind, 'builtin');
    assert.equal(saa.builtin, 'secrets');
    assert.equal(saa.timeoutMs, 120_000);
    assert.deepEqual(saa.output, { kind: 'sarif' });
    assert.deepEqual(saa.restart, { maxRestarts: 5, windowMs: 180_000, cooldownMs: 60_000, startTimeoutMs: 30_000 });
    assert.deepEqual(saa.env, { LOG_LEVEL: 'debug' });
    assert.equal(saa.effects, 'read');
    assert.deepEqual(c.triggers, [
      { on: 'save', files: ['src/**/*.{ts,py}'], agent: 'saa', task: 'security-audit', debounceMs: 300 },
    ]);
  });

  test("AgenticScrum's other top-level sections are ignored", () => {
    const text = `project:\n  name: demo\n  language: python\nllm:\n  provider: ollama\n  model: qwen\n${AGENTIC_SCRUM}`;
    const r = ok(parseConfigText(text, 'agentic_config.yaml'));
    assert.equal(Object.keys(r.config.agents).length, 2);
    assert.ok(r.issues.every((i) => i.severity === 'warning'));
  });

  test('an empty file, comments only, no background and `background: null` give the defaults', () => {
    const defaults = resolveConfig({});
    for (const text of ['', '# nothing yet\n', 'project: { name: x }\n', 'background:\n', 'background: null\n']) {
      const r = ok(parseConfigText(text, 'agentic_config.yaml'));
      assert.deepEqual(r.config, defaults, JSON.stringify(text));
      assert.deepEqual(r.issues, []);
    }
  });

  test('YAML 1.2: `on:` is a string key, not a boolean', () => {
    const r = ok(
      parseConfigText(
        'background:\n  agents: { a: { command: [x] } }\n  triggers:\n    - on: manual\n      agent: a\n',
        'f',
      ),
    );
    assert.equal(r.config.triggers[0]!.on, 'manual');
  });

  test('a misspelt `background` is flagged, not silently ignored', () => {
    const r = ok(parseConfigText('backgroud:\n  enabled: false\n', 'f'));
    assert.equal(r.issues.length, 1);
    assert.equal(r.issues[0]!.severity, 'warning');
    assert.match(r.issues[0]!.message, /"backgroud".*did you mean "background"/);
    at(r.issues[0]!, 1, 1);
  });
});

describe('errors, with their position', () => {
  test('unknown key, with a suggestion, at the key itself', () => {
    const e = onlyError('background:\n  agents:\n    saa:\n      max_memroy: 512MB\n');
    assert.equal(e.message, 'unknown key "max_memroy" in background.agents.saa (did you mean "max_memory"?)');
    assert.equal(e.path, 'background.agents.saa.max_memroy');
    at(e, 4, 7);
    assert.deepEqual([e.endLine, e.endColumn], [4, 17]);
  });

  test('two unknown keys give two issues; no suggestion when nothing is close', () => {
    const r = parseConfigText('background:\n  colour: red\n  max_concurent_agents: 2\n', 'f');
    assert.equal(r.ok, false);
    assert.deepEqual(
      r.issues.map((i) => [i.line, i.column, i.message]),
      [
        [2, 3, 'unknown key "colour" in background'],
        [3, 3, 'unknown key "max_concurent_agents" in background (did you mean "max_concurrent_agents"?)'],
      ],
    );
  });

  test('wrong type', () => {
    const e = onlyError('background:\n  agents:\n    saa:\n      max_cpu_percent: "25%"\n');
    assert.equal(e.message, 'background.agents.saa.max_cpu_percent: expected a number, got string "25%"');
    at(e, 4, 24);
  });

  test('out of range', () => {
    const e = onlyError('background:\n  max_concurrent_agents: 0\n');
    assert.equal(e.message, 'background.max_concurrent_agents: expected an integer ≥ 1, got 0');
    at(e, 2, 26);
  });

  test('`watch` must be a boolean', () => {
    const e = onlyError('background:\n  watch: "yes"\n');
    assert.equal(e.message, 'background.watch: expected a boolean (true or false), got string "yes"');
    at(e, 2, 10);
    assert.equal(resolveConfig({ background: { watch: true } }).watch, true);
    assert.equal(resolveConfig({ background: {} }).watch, false);
  });

  test('bad enum value', () => {
    const e = onlyError('background:\n  agents:\n    saa:\n      priority: urgent\n');
    assert.equal(e.message, 'background.agents.saa.priority: expected one of high, medium, low, got "urgent"');
    at(e, 4, 17);
  });

  test('bad duration: one message whether the string is malformed or the type is wrong', () => {
    const e = onlyError('background:\n  task_timeout: 5 minutes\n');
    assert.match(e.message, /^background\.task_timeout: expected a duration: .*"2s".*, got "5 minutes"$/);
    at(e, 2, 17);
    const t = onlyError('background:\n  retry_backoff: { initial: true }\n');
    assert.match(t.message, /^background\.retry_backoff\.initial: expected a duration: .*, got true$/);
    at(t, 2, 29);
  });

  test('bad size', () => {
    const e = onlyError('background:\n  agents:\n    saa:\n      max_memory: 12 parsecs\n');
    assert.match(e.message, /^background\.agents\.saa\.max_memory: expected a size: .*"512MB".*, got "12 parsecs"$/);
    at(e, 4, 19);
  });

  test('YAML syntax error', () => {
    const e = onlyError('background:\n  agents: [saa, deva\n  enabled: true\n');
    at(e, 3, 3);
    assert.equal(e.path, '');
  });

  test('duplicate key, at the second occurrence', () => {
    const e = onlyError('background:\n  enabled: true\n  enabled: false\n');
    assert.equal(e.message, 'duplicate key "enabled"');
    at(e, 3, 3);
  });

  test('a trigger naming an unknown agent, at its `agent` value', () => {
    const e = onlyError(
      'background:\n  agents:\n    saa: { builtin: secrets }\n  triggers:\n    - on: save\n      agent: sab\n',
    );
    assert.match(e.message, /^background\.triggers\[0\]\.agent: unknown agent "sab" \(did you mean "saa"\?\)/);
    assert.equal(e.path, 'background.triggers[0].agent');
    at(e, 6, 14);
  });

  test('builtin and command together, at `command`', () => {
    const e = onlyError('background:\n  agents:\n    saa:\n      builtin: secrets\n      command: [node, audit.js]\n');
    assert.match(e.message, /^background\.agents\.saa: .*`builtin` or `command`, not both$/);
    at(e, 5, 7);
  });

  test('a missing required key is reported at its parent', () => {
    const e = onlyError(
      'background:\n  agents: { a: { command: [x] } }\n  triggers:\n    - on: save\n      files: "**/*.py"\n',
    );
    assert.equal(e.message, 'background.triggers[0]: missing required key "agent"');
    assert.equal(e.path, 'background.triggers[0].agent');
    at(e, 4, 7);
  });

  test('a union with a nested problem reports the nested key', () => {
    const e = onlyError(
      'background:\n  agents:\n    a:\n      command: [x]\n      output: { regex: "(.*)", severity: fatal }\n',
    );
    assert.equal(
      e.message,
      'background.agents.a.output.severity: expected one of error, warning, info, hint, got "fatal"',
    );
    at(e, 5, 42);
  });

  test('a wrong output format lists the accepted ones once', () => {
    const e = onlyError('background:\n  agents:\n    a:\n      command: [x]\n      output: sarf\n');
    assert.match(e.message, /^background\.agents\.a\.output: expected one of sarif, text, .* got "sarf"$/);
    at(e, 5, 15);
  });

  test('a file that is not a mapping', () => {
    const e = onlyError('just a string\n');
    assert.match(e.message, /expected a mapping, got string "just a string"/);
    at(e, 1, 1);
  });
});

describe('formatIssue', () => {
  test('file:line:col: severity: message, position omitted when unknown', () => {
    const issue: ConfigIssue = { severity: 'error', message: 'boom', path: 'background', line: 12, column: 7 };
    assert.equal(formatIssue(issue, 'agentic_config.yaml'), 'agentic_config.yaml:12:7: error: boom');
    assert.equal(formatIssue({ severity: 'warning', message: 'hm', path: '' }, 'a/b.yaml'), 'a/b.yaml: warning: hm');
  });
});

describe('loadConfigFile', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentic-cfg-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a missing file is the built-in default', async () => {
    const r = await loadConfigFile(join(dir, 'nope.yaml'));
    assert.equal(r.exists, false);
    const loaded = ok(r);
    assert.deepEqual(loaded.raw, DEFAULT_CONFIG_FILE);
    assert.deepEqual(loaded.config, resolveConfig(DEFAULT_CONFIG_FILE));
  });

  test('an existing file is parsed', async () => {
    const file = join(dir, 'agentic_config.yaml');
    await writeFile(file, AGENTIC_SCRUM);
    const r = await loadConfigFile(file);
    assert.equal(r.exists, true);
    assert.equal(ok(r).config.agents.saa!.maxMemoryBytes, 512_000_000);
  });

  test('a read error other than ENOENT is an error naming it', async () => {
    const sub = join(dir, 'is-a-dir.yaml');
    await mkdir(sub);
    const r = await loadConfigFile(sub);
    assert.equal(r.ok, false);
    assert.match(r.issues[0]!.message, /EISDIR/);
  });
});

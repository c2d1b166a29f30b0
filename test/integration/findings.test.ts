// Findings through the real host and CLI: SARIF read from a file (and a broken one failing with
// where it broke), content hashes and fingerprints on every finding, the latest run per agent and
// file winning, and baselines ("hold the line") end to end, across a host restart.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Finding, TaskInfo } from '../../common/model';
import * as P from '../../common/protocol';
import { AGENTS, cleanup, cli, cliJson, connect, makeWorkspace, NODE, ROOT, yaml } from './helpers';
import { argv, shown, startHost, submitWait, toolWorkspace } from './toolsSupport';

const made: string[] = [];
after(async () => {
  for (const w of made) await cleanup(w);
});

const ESLINT = join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');
const CONFIG = yaml(`
background:
  retry_attempts: 2
  retry_backoff: { initial: 50ms, jitter: false }
  agents:
    scan:
      command: ${argv(NODE, `${AGENTS}/sarif-writer.js`, 'out/results.sarif')}
      output: { sarif: out/results.sarif }
    rec:
      command: ${argv(NODE, `${AGENTS}/record.js`)}
      output: findings-json
    eslint:
      command: ${argv(NODE, ESLINT, '-f', './eslint-compact.cjs', '${files}')}
      output: eslint-compact
      baseline: true
    scan-held:
      command: ${argv(NODE, `${AGENTS}/sarif-writer.js`, 'out/held.sarif')}
      output: { sarif: out/held.sarif }
      baseline: true
`);

const CONFIG_PY = 'import os\npassword = "hunter2"\n\n\nhash = md5(password)\n';

function workspace(): string {
  const w = toolWorkspace('eslint', CONFIG);
  writeFileSync(join(w, 'src', 'config.py'), CONFIG_PY);
  made.push(w);
  return w;
}

const submit = (w: string, agent: string, extra: string[] = []) =>
  submitWait(w, ['--agent', agent, '--task', 't', ...extra]);

describe('findings', () => {
  it('reads SARIF from the file named in output, with content hashes and fingerprints', async () => {
    const w = workspace();
    await startHost(w);
    const t = await submit(w, 'scan', ['--file', 'src/config.py']);
    assert.equal(t.state, 'succeeded', t.detail);
    assert.deepEqual(shown(t.findings), [
      {
        file: 'src/config.py',
        line: 2,
        column: 5,
        severity: 'error',
        ruleId: 'SEC001',
        message: 'Hard-coded credential',
      },
      { file: 'src/config.py', line: 5, column: 1, severity: 'info', ruleId: 'SEC002', message: 'Weak hash' },
    ]);
    const hash = createHash('sha256').update(CONFIG_PY).digest('hex');
    for (const f of t.findings!) {
      assert.equal(f.contentHash, hash);
      assert.equal(f.agent, 'scan');
      assert.equal(f.taskId, t.id);
    }
    assert.equal(
      t.findings!.find((f) => f.ruleId === 'SEC001')!.fingerprint,
      'cafe0001:1',
      "the tool's own fingerprint",
    );
    assert.match(
      t.findings!.find((f) => f.ruleId === 'SEC002')!.fingerprint!,
      /^[0-9a-f]{32}$/,
      'a line hash where the tool gave none',
    );
  });

  it('a broken SARIF file fails the task (output_error, not retried) saying where it broke; a bad region only warns; a missing file is never the stale previous', async () => {
    const w = workspace();
    await startHost(w);
    assert.equal((await submit(w, 'scan', ['--file', 'src/config.py'])).state, 'succeeded');
    const c = await connect(w);
    const run = async (mode: string): Promise<TaskInfo> => {
      const { taskId } = await c.request(P.SubmitRequest.type, {
        agent: 'scan',
        task: mode,
        files: ['src/config.py'],
        params: { mode },
      });
      return c.request(P.WaitTaskRequest.type, { id: taskId, timeoutMs: 120_000 });
    };
    try {
      // a bad region value costs that value only, said in the detail: the finding stays
      const badShape = await run('bad-shape');
      assert.equal(badShape.state, 'succeeded', badShape.detail);
      assert.deepEqual(
        badShape.findings!.map((f) => [f.ruleId, f.line]),
        [
          ['SEC001', 2],
          ['SEC002', 1],
        ],
      );
      assert.equal(
        badShape.detail,
        'output: runs[0].results[1].locations[0].physicalLocation.region.startLine: expected a positive integer, got the number 0 (ignored: the finding keeps the rest of its place)',
      );
      const badJson = await run('bad-json');
      assert.equal(badJson.reason, 'output_error');
      assert.equal(
        badJson.detail,
        `invalid JSON at line 26, column 11: expected ',' or '}' after the property value, got '"'`,
      );
      const none = await run('none');
      assert.equal(none.reason, 'output_error');
      assert.match(none.detail!, /cannot read the SARIF file out\/results\.sarif: ENOENT/);
    } finally {
      c.close();
    }
    // the failed runs cleared nothing: the findings of the last good run stand
    assert.equal((await cliJson<Finding[]>(w, ['findings', '--agent', 'scan'])).length, 2);
  });

  it('SARIF loses nothing: suppressions counted, a result with no file kept on the task, a failed run marked', async () => {
    const w = workspace();
    await startHost(w);
    const r = await cli(w, ['submit', '--agent', 'scan', '--task', 'lossy', '--file', 'src/config.py', '--wait'], {
      timeoutMs: 120_000,
    });
    // one suppressed (accepted) result hidden and counted; the one under review shown
    assert.match(r.stdout, /\(1 finding\(s\) suppressed by the tool not shown\)/);
    assert.match(r.stdout, /^\(scan: no file\) error no project file found in the workspace \[BLD001\]$/m);
    assert.match(r.stdout, /^src\/app\.py:4:2 error Parsing error: Unexpected token \[tool-notification\]$/m);
    assert.match(r.stdout, /the tool reports that its run did not succeed: Parsing error: Unexpected token/);
    const t = (await cliJson<TaskInfo[]>(w, ['tasks', '--json'])).find((x) => x.task === 'lossy')!;
    assert.equal(t.state, 'succeeded');
    assert.equal(t.suppressedCount, 1);
    assert.deepEqual(
      t.taskFindings!.map((f) => [f.file, f.ruleId, f.message]),
      [['', 'BLD001', 'no project file found in the workspace']],
    );
    const all = await cliJson<Finding[]>(w, ['findings', '--agent', 'scan']);
    assert.deepEqual(
      all.map((f) => [f.file, f.line, f.column, f.endColumn ?? null, f.ruleId]),
      [
        ['', 1, 1, null, 'BLD001'],
        ['src/app.py', 4, 2, null, 'tool-notification'],
        ['src/config.py', 2, 5, null, 'SEC001'],
        ['src/config.py', 3, 5, null, 'SEC001'],
        ['src/config.py', 5, 1, null, 'SEC001'],
      ],
    );
    const human = await cli(w, ['findings', '--agent', 'scan']);
    assert.match(human.stdout, /^\(scan: no file\) error no project file found/m);
    // the next run of the agent replaces the task-level finding
    assert.equal((await submit(w, 'scan', ['--file', 'src/config.py'])).state, 'succeeded');
    assert.ok(!(await cliJson<Finding[]>(w, ['findings', '--agent', 'scan'])).some((f) => f.file === ''));
  });

  it('the latest run per agent and file wins; other files and agents keep theirs', async () => {
    const w = makeWorkspace(CONFIG, { 'a.txt': 'a\nb\nc\n', 'b.txt': 'x\n' });
    made.push(w);
    await startHost(w);
    const rec = (file: string, n: number) =>
      cli(w, ['submit', '--from', '-', '--json'], {
        input: JSON.stringify({ agent: 'rec', task: 'r', files: [file], params: { findings: n } }),
      });
    await rec('a.txt', 3);
    await rec('b.txt', 1);
    const wait = async (want: Record<string, number>) => {
      for (let i = 0; i < 200; i++) {
        const all = await cliJson<Finding[]>(w, ['findings']);
        const got: Record<string, number> = {};
        for (const f of all) got[f.file] = (got[f.file] ?? 0) + 1;
        if (JSON.stringify(got) === JSON.stringify(want)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.fail(`findings never became ${JSON.stringify(want)}`);
    };
    await wait({ 'a.txt': 3, 'b.txt': 1 });
    await rec('a.txt', 1);
    await wait({ 'a.txt': 1, 'b.txt': 1 });
    assert.deepEqual(
      (await cliJson<Finding[]>(w, ['findings', '--file', 'a.txt'])).map((f) => f.message),
      ['finding 1'],
    );
    const text = await cli(w, ['findings', '--file', 'b.txt']);
    assert.equal(text.stdout.trim(), 'b.txt:1:1 warning finding 1 [R1]');
    await rec('a.txt', 0);
    await wait({ 'b.txt': 1 });
  });

  it('baseline: only new findings are reported, for line hashes and SARIF fingerprints alike, also after a restart', async () => {
    const w = workspace();
    await startHost(w);
    const before = await submit(w, 'eslint', ['--file', 'src/cart.js']);
    assert.equal(before.findings!.length, 4);
    assert.match(before.detail!, /no baseline recorded yet/);
    assert.equal((await submit(w, 'scan-held', ['--file', 'src/config.py'])).findings!.length, 2);

    const rec = await cli(w, ['baseline']);
    assert.equal(rec.code, 0, rec.stderr);
    assert.match(rec.stdout, /^recorded 6 finding\(s\) \(eslint: 4, scan-held: 2\) in .*\.agentic\/baseline\.json$/m);
    assert.deepEqual(await cliJson<Finding[]>(w, ['findings', '--agent', 'eslint']), [], 'withdrawn at once');

    // the code moves down two lines and gets re-indented; one new problem appears
    const cart = join(w, 'src', 'cart.js');
    const moved = readFileSync(cart, 'utf8')
      .replace('export function total', '// Prices in cents.\n\nexport function total')
      .replace('  let discount', '      let   discount');
    writeFileSync(cart, moved.replace('  return sum', '  if (sum == 1) sum = 0;\n  return sum'));
    const after1 = await submit(w, 'eslint', ['--file', 'src/cart.js']);
    assert.equal(after1.state, 'succeeded');
    assert.deepEqual(shown(after1.findings), [
      {
        file: 'src/cart.js',
        line: 12,
        column: 11,
        severity: 'warning',
        ruleId: 'eqeqeq',
        message: "Expected '===' and instead saw '=='.",
      },
    ]);
    assert.equal(after1.baselinedCount, 4);
    const human = await cli(w, ['submit', '--agent', 'eslint', '--task', 't', '--file', 'src/cart.js', '--wait'], {
      timeoutMs: 180_000,
    });
    assert.match(human.stdout, /\(4 more finding\(s\) in the baseline not shown\)/);

    // SARIF: the tool's fingerprint follows the finding to another line
    const held = await submit(w, 'scan-held', ['--file', 'src/config.py']);
    assert.deepEqual(held.findings, []);
    assert.equal(held.baselinedCount, 2);

    // accept the new one too, restart: the findings rebuilt from the history stay hidden
    assert.equal((await cli(w, ['baseline', '--agent', 'eslint'])).code, 0);
    const doc = JSON.parse(readFileSync(join(w, '.agentic', 'baseline.json'), 'utf8')) as {
      entries: Array<{ agent: string }>;
    };
    assert.equal(doc.entries.filter((e) => e.agent === 'eslint').length, 5, 'the four hidden ones were kept');
    assert.equal(doc.entries.filter((e) => e.agent === 'scan-held').length, 2, 'the other agent was left alone');
    assert.equal((await cli(w, ['stop'])).code, 0);
    await startHost(w);
    assert.deepEqual(await cliJson<Finding[]>(w, ['findings', '--agent', 'eslint']), []);
    assert.equal((await cli(w, ['baseline', '--agent', 'nope'])).code, 2);
  });
});

// ESLint 9 with Microsoft's SARIF formatter (@microsoft/eslint-formatter-sarif), for real. The
// formatter reports a file ESLint could not parse not as a result but as an error-level
// toolConfigurationNotification with `executionSuccessful: false`: a reader of `results` alone
// would call that file clean. Here it is a finding on its line, and the task's detail says the
// run did not succeed.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Finding } from '../../common/model';
import { cleanup, cli, cliJson, NODE, ROOT, yaml } from './helpers';
import { argv, shown, startHost, submitWait, toolWorkspace } from './toolsSupport';

const made: string[] = [];
after(async () => {
  for (const w of made) await cleanup(w);
});

// The README's snippet has ["npx", "eslint", "-f", "@microsoft/eslint-formatter-sarif", …];
// here the project's own copies, since the temp workspace has no node_modules to resolve from.
const ESLINT = join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');
const FORMATTER = join(ROOT, 'node_modules', '@microsoft', 'eslint-formatter-sarif', 'sarif.js');
const CONFIG = yaml(`
background:
  agents:
    eslint:
      command: ${argv(NODE, ESLINT, '-f', FORMATTER, '${files}')}
      output: sarif
`);

describe('eslint (SARIF formatter)', () => {
  it('every problem with its exact region, and the parse error as a finding on its line', async () => {
    const w = toolWorkspace('eslint', CONFIG);
    made.push(w);
    await startHost(w);
    const files = ['src/cart.js', 'src/broken.js', 'src/clean.js'].flatMap((f) => ['--file', f]);
    const t = await submitWait(w, ['--agent', 'eslint', '--task', 'lint', ...files]);
    assert.equal(t.state, 'succeeded', t.detail);
    assert.equal(t.exitCode, 1, 'eslint exits 1 when it found errors');
    const f = (
      file: string,
      line: number,
      column: number,
      severity: Finding['severity'],
      ruleId: string,
      message: string,
    ) => ({ file, line, column, severity, ruleId, message });
    assert.deepEqual(shown(t.findings), [
      f('src/broken.js', 3, 2, 'error', 'ESL0999', 'Parsing error: Unexpected token }'),
      f('src/cart.js', 4, 7, 'warning', 'prefer-const', "'discount' is never reassigned. Use 'const' instead."),
      f('src/cart.js', 5, 9, 'error', 'no-unused-vars', "'unusedTax' is assigned a value but never used."),
      f('src/cart.js', 7, 18, 'warning', 'eqeqeq', "Expected '===' and instead saw '=='."),
      f('src/cart.js', 10, 33, 'error', 'no-undef', "'shipping' is not defined."),
    ]);
    // SARIF regions carry the end too (exclusive end column)
    assert.deepEqual(
      t.findings!.filter((x) => x.file === 'src/cart.js').map((x) => [x.line, x.endLine, x.endColumn]),
      [
        [4, 4, 15],
        [5, 5, 18],
        [7, 7, 20],
        [10, 10, 41],
      ],
    );
    assert.equal(t.detail, 'the tool reports that its run did not succeed: Parsing error: Unexpected token }');
    const listed = await cli(w, ['tasks']);
    assert.match(listed.stdout, /the tool reports that its run did not succeed/);
    const status = await cli(w, ['status']);
    assert.match(
      status.stdout,
      /^note {6}eslint: last run: the tool reports that its run did not succeed: Parsing error/m,
    );
    assert.deepEqual(await cliJson<Finding[]>(w, ['findings', '--file', 'src/clean.js']), []);
  });
});

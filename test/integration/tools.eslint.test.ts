// ESLint 9 as an agent, for real. ESLint 9 ships no line-per-problem formatter any more, so the
// fixture carries a ten-line one (eslint-compact.cjs, the README's recipe) that prints the old
// compact format, read by the eslint-compact pattern. Flat config: eslint.config.mjs.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Finding } from '../../common/model';
import { cleanup, cliJson, NODE, ROOT, yaml } from './helpers';
import { argv, shown, startHost, submitWait, toolWorkspace } from './toolsSupport';

const made: string[] = [];
after(async () => {
  for (const w of made) await cleanup(w);
});

// The README's snippet has ["npx", "eslint", …]; here the project's own eslint for a clean clone
const ESLINT = join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');
const CONFIG = yaml(`
background:
  agents:
    eslint:
      command: ${argv(NODE, ESLINT, '-f', './eslint-compact.cjs', '${files}')}
      output: eslint-compact
`);

describe('eslint', () => {
  it('reports each problem with its exact place, severity, rule and message, and a parse error without a rule', async () => {
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
      f('src/broken.js', 3, 2, 'error', '', 'Parsing error: Unexpected token }'),
      f('src/cart.js', 4, 7, 'warning', 'prefer-const', "'discount' is never reassigned. Use 'const' instead."),
      f('src/cart.js', 5, 9, 'error', 'no-unused-vars', "'unusedTax' is assigned a value but never used."),
      f('src/cart.js', 7, 18, 'warning', 'eqeqeq', "Expected '===' and instead saw '=='."),
      f('src/cart.js', 10, 33, 'error', 'no-undef', "'shipping' is not defined."),
    ]);
    for (const x of t.findings!) assert.match(x.contentHash!, /^[0-9a-f]{64}$/);
    assert.deepEqual(await cliJson<Finding[]>(w, ['findings', '--file', 'src/clean.js']), []);
  });
});

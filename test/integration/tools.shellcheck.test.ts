// ShellCheck as an agent, for real: `shellcheck -f gcc ${files}` read by the gcc pattern.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Finding } from '../../common/model';
import { cleanup, cliJson, yaml } from './helpers';
import { argv, missing, shown, startHost, submitWait, toolWorkspace } from './toolsSupport';

const made: string[] = [];
after(async () => {
  for (const w of made) await cleanup(w);
});

// The README's snippet, as is
const CONFIG = yaml(`
background:
  agents:
    shellcheck:
      command: ${argv('shellcheck', '-f', 'gcc', '${files}')}
      output: gcc
  triggers:
    - { on: save, files: "**/*.sh", agent: shellcheck, task: lint }
`);

describe('shellcheck', { skip: missing('shellcheck', 'shellcheck') }, () => {
  it('reports each problem with its exact place, severity, rule and message', async () => {
    const w = toolWorkspace('shellcheck', CONFIG);
    made.push(w);
    await startHost(w);
    const t = await submitWait(w, [
      '--agent',
      'shellcheck',
      '--task',
      'lint',
      '--file',
      'scripts/deploy.sh',
      '--file',
      'scripts/clean.sh',
    ]);
    assert.equal(t.state, 'succeeded', t.detail);
    assert.equal(t.exitCode, 1, 'shellcheck exits 1 when it found something: done, with findings');
    const f = (line: number, column: number, severity: Finding['severity'], ruleId: string, message: string) => ({
      file: 'scripts/deploy.sh',
      line,
      column,
      severity,
      ruleId,
      message,
    });
    assert.deepEqual(shown(t.findings), [
      f(4, 1, 'warning', 'SC2164', "Use 'cd ... || exit' or 'cd ... || return' in case cd fails."),
      f(4, 4, 'info', 'SC2086', 'Double quote to prevent globbing and word splitting.'),
      f(5, 16, 'error', 'SC2045', 'Iterating over ls output is fragile. Use globs.'),
      f(5, 21, 'info', 'SC2035', "Use ./*glob* or -- *glob* so names with dashes won't become options."),
      f(7, 11, 'info', 'SC2086', 'Double quote to prevent globbing and word splitting.'),
      f(9, 7, 'warning', 'SC2154', 'status is referenced but not assigned.'),
      f(9, 16, 'warning', 'SC3014', 'In POSIX sh, == in place of = is undefined.'),
    ]);
    const current = await cliJson<Finding[]>(w, ['findings', '--file', 'scripts/clean.sh']);
    assert.deepEqual(current, [], 'the clean script has no findings');
  });
});

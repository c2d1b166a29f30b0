// yamllint as an agent, for real: `yamllint -f parsable ${files}` read by an `output: { regex }`
// (its format is gcc-like but puts the level in brackets).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Finding } from '../../common/model';
import { cleanup, cliJson, yaml } from './helpers';
import { argv, missing, shown, startHost, submitWait, toolWorkspace } from './toolsSupport';

const made: string[] = [];
after(async () => {
  for (const w of made) await cleanup(w);
});

// The README's snippet, as is (single quotes: YAML leaves backslashes alone in them)
const CONFIG = yaml(`
background:
  agents:
    yamllint:
      command: ${argv('yamllint', '-f', 'parsable', '${files}')}
      output:
        regex: '^(?<file>[^:]+):(?<line>\\d+):(?<column>\\d+): \\[(?<severity>error|warning)\\] (?<message>.*?)(?: \\((?<code>[\\w-]+)\\))?$'
`);

describe('yamllint', { skip: missing('yamllint', 'yamllint') }, () => {
  it('reports each problem with its exact place, severity, rule and message', async () => {
    const w = toolWorkspace('yamllint', CONFIG);
    made.push(w);
    await startHost(w);
    const t = await submitWait(w, [
      '--agent',
      'yamllint',
      '--task',
      'lint',
      '--file',
      'config/app.yaml',
      '--file',
      'config/clean.yaml',
    ]);
    assert.equal(t.state, 'succeeded', t.detail);
    assert.equal(t.exitCode, 1);
    const f = (line: number, column: number, severity: Finding['severity'], ruleId: string, message: string) => ({
      file: 'config/app.yaml',
      line,
      column,
      severity,
      ruleId,
      message,
    });
    assert.deepEqual(shown(t.findings), [
      f(2, 1, 'warning', 'document-start', 'missing document start "---"'),
      f(3, 17, 'error', 'trailing-spaces', 'trailing spaces'),
      f(4, 12, 'warning', 'truthy', 'truthy value should be one of [false, true]'),
      f(5, 3, 'error', 'key-duplicates', 'duplication of key "name" in mapping'),
      f(6, 81, 'error', 'line-length', 'line too long (95 > 80 characters)'),
      f(9, 8, 'error', 'hyphens', 'too many spaces after hyphen'),
    ]);
    assert.deepEqual(await cliJson<Finding[]>(w, ['findings', '--file', 'config/clean.yaml']), []);
  });
});

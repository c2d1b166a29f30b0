// The TypeScript compiler as an agent, for real: `tsc --noEmit -p tsconfig.json --pretty false`
// read by the tsc pattern. tsc exits 2 when it found type errors and 1 when it could not run (a
// missing or broken tsconfig), the other way round from the default, hence exit_codes.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Finding, TaskInfo } from '../../common/model';
import { cleanup, cli, cliJson, NODE, ROOT, yaml } from './helpers';
import { argv, shown, startHost, submitWait, toolWorkspace } from './toolsSupport';

const made: string[] = [];
after(async () => {
  for (const w of made) await cleanup(w);
});

// The README's snippet has ["npx", "tsc", …]; here the project's own tsc, so a clean clone works
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const CONFIG = yaml(`
background:
  retry_attempts: 2
  retry_backoff: { initial: 50ms, jitter: false }
  agents:
    tsc:
      command: ${argv(NODE, TSC, '--noEmit', '-p', 'tsconfig.json', '--pretty', 'false')}
      output: tsc
      exit_codes: { done: [0, 2], usage_error: [1] }
`);

describe('tsc', () => {
  it('reports each type error with its exact place, rule and message (elaboration lines included)', async () => {
    const w = toolWorkspace('tsc', CONFIG);
    made.push(w);
    await startHost(w);
    const t = await submitWait(w, ['--agent', 'tsc', '--task', 'typecheck']);
    assert.equal(t.state, 'succeeded', t.detail);
    assert.equal(t.exitCode, 2, 'tsc exits 2 with type errors: done, per exit_codes');
    const f = (file: string, line: number, column: number, ruleId: string, message: string) => ({
      file,
      line,
      column,
      severity: 'error' as Finding['severity'],
      ruleId,
      message,
    });
    assert.deepEqual(shown(t.findings), [
      f('src/report.ts', 4, 42, 'TS2554', 'Expected 1 arguments, but got 2.'),
      f('src/report.ts', 7, 7, 'TS2322', "Type 'string' is not assignable to type 'number'."),
      f(
        'src/report.ts',
        11,
        14,
        'TS2322',
        "Type '{ id: number; name: number; }' is not assignable to type 'User'.\n  Types of property 'name' are incompatible.\n    Type 'number' is not assignable to type 'string'.",
      ),
      f('src/user.ts', 9, 9, 'TS6133', "'unused' is declared but its value is never read."),
      f('src/user.ts', 14, 10, 'TS18048', "'user.email' is possibly 'undefined'."),
      f('src/user.ts', 17, 30, 'TS2322', "Type 'string' is not assignable to type 'number'."),
    ]);
    assert.deepEqual(await cliJson<Finding[]>(w, ['findings', '--file', 'src/clean.ts']), []);
  });

  it('a missing tsconfig is a usage error: failed at once, not retried, the findings kept', async () => {
    const w = toolWorkspace('tsc', CONFIG);
    made.push(w);
    await startHost(w);
    assert.equal((await submitWait(w, ['--agent', 'tsc', '--task', 'typecheck'])).state, 'succeeded');
    rmSync(join(w, 'tsconfig.json'));
    const r = await cli(w, ['submit', '--agent', 'tsc', '--task', 'typecheck', '--wait', '--json'], {
      timeoutMs: 180_000,
    });
    assert.equal(r.code, 1);
    const t = JSON.parse(r.stdout) as TaskInfo;
    assert.equal(t.state, 'failed');
    assert.equal(t.reason, 'usage_error');
    assert.equal(t.attempts, 1);
    assert.equal(t.exitCode, 1);
    assert.match(
      t.detail!,
      /exit code 1: configuration or usage error: error TS5058: The specified path does not exist/,
    );
    assert.equal(
      (await cliJson<Finding[]>(w, ['findings'])).length,
      6,
      'a run that could not check anything clears nothing',
    );
  });
});

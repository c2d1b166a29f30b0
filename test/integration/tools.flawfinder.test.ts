// Flawfinder (Debian's `flawfinder` package) as an agent, for real: `flawfinder --sarif ${files}`
// prints a SARIF 2.1.0 log on stdout, with uriBaseId SRCROOT (not defined in the run, so the
// workspace root), note-level hits, end columns and a context-hash fingerprint per result.
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
    flawfinder:
      command: ${argv('flawfinder', '--sarif', '${files}')}
      output: sarif
`);

describe('flawfinder (SARIF)', { skip: missing('flawfinder', 'flawfinder') }, () => {
  it('reports each hit with its exact region, level, rule, message and fingerprint', async () => {
    const w = toolWorkspace('flawfinder', CONFIG);
    made.push(w);
    await startHost(w);
    const t = await submitWait(w, [
      '--agent',
      'flawfinder',
      '--task',
      'audit',
      '--file',
      'src/copy.c',
      '--file',
      'src/safe.c',
    ]);
    assert.equal(t.state, 'succeeded', t.detail);
    assert.equal(t.exitCode, 0, 'flawfinder exits 0 whatever it found');
    assert.equal(t.detail, undefined, 'nothing repaired or left out');
    const f = (line: number, column: number, severity: Finding['severity'], ruleId: string, message: string) => ({
      file: 'src/copy.c',
      line,
      column,
      severity,
      ruleId,
      message,
    });
    const arrays =
      'buffer/char:Statically-sized arrays can be improperly restricted, leading to potential overflows or other issues (CWE-119!/CWE-120).';
    assert.deepEqual(shown(t.findings), [
      f(6, 3, 'info', 'FF1013', arrays),
      f(
        7,
        3,
        'error',
        'FF1001',
        'buffer/strcpy:Does not check for buffer overflows when copying to destination [MS-banned] (CWE-120).',
      ),
      f(
        8,
        3,
        'error',
        'FF1016',
        'format/printf:If format strings can be influenced by an attacker, they can be exploited (CWE-134).',
      ),
      f(12, 3, 'info', 'FF1013', arrays),
      f(14, 3, 'error', 'FF1014', 'buffer/gets:Does not check for buffer overflows (CWE-120, CWE-20).'),
    ]);
    const byLine = new Map(t.findings!.map((x) => [x.line, x]));
    assert.deepEqual(
      [6, 7, 8, 12, 14].map((l) => [byLine.get(l)!.endLine, byLine.get(l)!.endColumn]),
      [
        [6, 16],
        [7, 21],
        [8, 16],
        [12, 17],
        [14, 14],
      ],
    );
    for (const x of t.findings!) assert.match(x.fingerprint!, /^[0-9a-f]{64}$/, "the tool's contextHash/v1");
    assert.deepEqual(await cliJson<Finding[]>(w, ['findings', '--file', 'src/safe.c']), []);
  });
});

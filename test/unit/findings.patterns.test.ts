import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRegexSpec, parsePattern, parseRegex } from '../../host/findings/problemPattern';
import type { ParseContext } from '../../host/findings/finding';
import type { Finding } from '../../common/model';

const ctx: ParseContext = { workspace: '/home/u/proj', agent: 'lint', taskId: 't9' };

/** file:line:col severity [rule] message — compact enough to compare many findings at once */
const brief = (fs: Finding[]) =>
  fs.map(
    (f) =>
      `${f.file}:${f.line}:${f.column}${f.endColumn ? `-${f.endColumn}` : ''} ${f.severity} [${f.ruleId}] ${f.message}`,
  );

function ok(name: 'gcc' | 'tsc' | 'eslint-compact', text: string): Finding[] {
  const r = parsePattern(name, text, ctx);
  assert.equal(r.error, undefined);
  return r.findings;
}

describe('problem pattern gcc', () => {
  it('reads shellcheck -f gcc output exactly', () => {
    const out = [
      'script.sh:3:6: warning: Quote this to prevent word splitting. [SC2086]',
      "script.sh:7:1: error: Couldn't parse this function. Fix to allow more checks. [SC1073]",
      'lib/util.sh:12:9: note: Double quote to prevent globbing and word splitting. [SC2086]',
      '',
    ].join('\n');
    const f = ok('gcc', out);
    assert.deepEqual(f[0], {
      file: 'script.sh',
      line: 3,
      column: 6,
      severity: 'warning',
      ruleId: 'SC2086',
      message: 'Quote this to prevent word splitting.',
      agent: 'lint',
      taskId: 't9',
    });
    assert.deepEqual(brief(f).slice(1), [
      "script.sh:7:1 error [SC1073] Couldn't parse this function. Fix to allow more checks.",
      'lib/util.sh:12:9 info [SC2086] Double quote to prevent globbing and word splitting.',
    ]);
  });

  it('reads gcc output and skips its context lines, code frames and summaries', () => {
    const out = [
      'main.c: In function ‘main’:',
      'main.c:4:9: warning: unused variable ‘x’ [-Wunused-variable]',
      '    4 |     int x;',
      '      |         ^',
      'main.c:5:5: error: implicit declaration of function ‘foo’ [-Wimplicit-function-declaration]',
      '    5 |     foo();',
      '      |     ^~~',
      'In file included from /home/u/proj/src/main.c:1:',
      '/home/u/proj/include/defs.h:2:10: fatal error: missing.h: No such file or directory',
      '    2 | #include "missing.h"',
      'compilation terminated.',
      'cc1: some warnings being treated as errors',
      'old.c:12: warning: comparison between signed and unsigned',
      'make: *** [Makefile:3: all] Error 1',
    ].join('\n');
    assert.deepEqual(brief(ok('gcc', out)), [
      'main.c:4:9 warning [-Wunused-variable] unused variable ‘x’',
      'main.c:5:5 error [-Wimplicit-function-declaration] implicit declaration of function ‘foo’',
      'include/defs.h:2:10 error [] missing.h: No such file or directory',
      'old.c:12:1 warning [] comparison between signed and unsigned',
    ]);
  });

  it('reads mypy, which prints the gcc shape without a column', () => {
    const out =
      'src/app.py:3: error: Incompatible types in assignment (expression has type "str", variable has type "int")  [assignment]\nFound 1 error in 1 file (checked 4 source files)\n';
    assert.deepEqual(brief(ok('gcc', out)), [
      'src/app.py:3:1 error [assignment] Incompatible types in assignment (expression has type "str", variable has type "int")',
    ]);
  });

  it('handles CRLF, colour escapes and Windows paths', () => {
    const out =
      'C:\\work\\a.c:1:2: error: boom\r\n\u001b[01m\u001b[Kb.c:3:4:\u001b[m\u001b[K \u001b[01;35m\u001b[Kwarning: \u001b[m\u001b[Kbang [\u001b[01;35m\u001b[K-Wall\u001b[m\u001b[K]\r\n';
    assert.deepEqual(brief(ok('gcc', out)), ['C:/work/a.c:1:2 error [] boom', 'b.c:3:4 warning [-Wall] bang']);
  });

  it('keeps brackets inside a message that are not a trailing rule', () => {
    assert.deepEqual(brief(ok('gcc', 'a.c:1:1: warning: array subscript [3] is above bounds [enabled by default]')), [
      'a.c:1:1 warning [] array subscript [3] is above bounds [enabled by default]',
    ]);
  });
});

describe('problem pattern tsc', () => {
  it('reads tsc --pretty false, with elaboration lines, ignoring global errors and summaries', () => {
    const out = [
      "src/a.ts(12,5): error TS2322: Type 'string' is not assignable to type 'number'.",
      "src/b.ts(3,10): error TS2345: Argument of type '{ a: string; }' is not assignable to parameter of type 'Foo'.",
      "  Property 'b' is missing in type '{ a: string; }' but required in type 'Foo'.",
      "error TS6053: File '/home/u/proj/missing.ts' not found.",
      "/home/u/proj/src/c.ts(1,1): warning TS6133: 'y' is declared but its value is never read.",
      '',
      'Found 4 errors in 3 files.',
      '',
      'Errors  Files',
      '     1  src/a.ts:12',
    ].join('\r\n');
    const f = ok('tsc', out);
    assert.deepEqual(brief(f), [
      "src/a.ts:12:5 error [TS2322] Type 'string' is not assignable to type 'number'.",
      "src/b.ts:3:10 error [TS2345] Argument of type '{ a: string; }' is not assignable to parameter of type 'Foo'.\n  Property 'b' is missing in type '{ a: string; }' but required in type 'Foo'.",
      "src/c.ts:1:1 warning [TS6133] 'y' is declared but its value is never read.",
    ]);
  });

  it('reads tsc --pretty output (colours, code frames)', () => {
    const out = [
      "\u001b[96msrc/a.ts\u001b[0m:\u001b[93m12\u001b[0m:\u001b[93m5\u001b[0m - \u001b[91merror\u001b[0m\u001b[90m TS2322: \u001b[0mType 'string' is not assignable to type 'number'.",
      '',
      "\u001b[7m12\u001b[0m let x: number = 's';",
      '\u001b[7m  \u001b[0m \u001b[91m    ~\u001b[0m',
      '',
      '',
      'Found 1 error in src/a.ts\u001b[90m:12\u001b[0m',
    ].join('\n');
    assert.deepEqual(brief(ok('tsc', out)), [
      "src/a.ts:12:5 error [TS2322] Type 'string' is not assignable to type 'number'.",
    ]);
  });
});

describe('problem pattern eslint-compact', () => {
  it('reads eslint -f compact output', () => {
    const out = [
      "/home/u/proj/src/a.js: line 3, col 7, Error - 'x' is assigned a value but never used. (no-unused-vars)",
      '/home/u/proj/src/a.js: line 5, col 1, Warning - Unexpected console statement. (no-console)',
      '/home/u/proj/src/b.ts: line 2, col 3, Warning - Unexpected any. Specify a different type. (@typescript-eslint/no-explicit-any)',
      '/home/u/proj/src/c.js: line 1, col 10, Error - Parsing error: Unexpected token (1:10)',
      '/elsewhere/d.js: line 0, col 0, Warning - File ignored because of a matching ignore pattern.',
      '',
      '5 problems',
    ].join('\n');
    assert.deepEqual(brief(ok('eslint-compact', out)), [
      "src/a.js:3:7 error [no-unused-vars] 'x' is assigned a value but never used.",
      'src/a.js:5:1 warning [no-console] Unexpected console statement.',
      'src/b.ts:2:3 warning [@typescript-eslint/no-explicit-any] Unexpected any. Specify a different type.',
      'src/c.js:1:10 error [] Parsing error: Unexpected token (1:10)',
      '/elsewhere/d.js:1:1 warning [] File ignored because of a matching ignore pattern.',
    ]);
  });
});

describe('problem patterns: noise', () => {
  it('ignores lines that do not match, and empty output gives no findings', () => {
    const noise = 'Running checks...\nAll good!\n\n  indented\nfile.c:abc: error: not a line number\n';
    for (const name of ['gcc', 'tsc', 'eslint-compact'] as const) {
      assert.deepEqual(ok(name, noise), []);
      assert.deepEqual(ok(name, ''), []);
    }
  });

  it('an indented line after a gcc finding is not a continuation (only tsc has those)', () => {
    const f = ok('gcc', 'a.c:1:1: error: x\n  more\n');
    assert.equal(f[0]!.message, 'x');
  });
});

describe('user regex', () => {
  const flake8 = String.raw`^(?<file>[^:]+):(?<line>\d+):(?<column>\d+): (?<code>[A-Z]+\d+) (?<message>.*)$`;

  it('reads a custom format with a default severity', () => {
    const out =
      "src/app.py:1:1: F401 'os' imported but unused\r\nsrc/app.py:10:80: E501 line too long (88 > 79 characters)\r\n2     F401\r\n";
    const r = parseRegex({ regex: flake8, severity: 'info' }, out, ctx);
    assert.equal(r.error, undefined);
    assert.deepEqual(brief(r.findings), [
      "src/app.py:1:1 info [F401] 'os' imported but unused",
      'src/app.py:10:80 info [E501] line too long (88 > 79 characters)',
    ]);
  });

  it('maps severity words and reads end positions', () => {
    const re = String.raw`^(?<severity>\w+) (?<file>\S+) (?<line>\d+):(?<column>\d+)-(?<endLine>\d+):(?<endColumn>\d+) (?<message>.*)$`;
    const out = [
      'ERR a.x 1:2-1:5 one',
      'warn a.x 2:1-3:4 two',
      'information a.x 3:1-3:2 three',
      'Hint a.x 4:1-4:2 four',
      'bogus a.x 5:1-5:2 five',
    ].join('\n');
    const f = parseRegex({ regex: re }, out, ctx).findings;
    assert.deepEqual(
      f.map((x) => x.severity),
      ['error', 'warning', 'info', 'hint', 'warning'],
    );
    assert.deepEqual([f[1]!.endLine, f[1]!.endColumn], [3, 4]);
    assert.deepEqual([f[0]!.endLine, f[0]!.endColumn], [1, 5]);
  });

  it('rejects an invalid regex, missing groups and unknown groups', () => {
    const err = (regex: string) => parseRegex({ regex }, 'a:1: x', ctx);
    const r1 = err('(?<file>[^:]+');
    assert.deepEqual(r1.findings, []);
    assert.match(r1.error!, /^output regex: invalid: /);
    assert.equal(
      err(String.raw`^(?<file>[^:]+):(?<line>\d+)`).error,
      'output regex: missing the named group (?<message>...)',
    );
    assert.equal(err('^(?<message>.*)$').error, 'output regex: missing the named groups (?<file>...), (?<line>...)');
    assert.match(
      err(String.raw`^(?<file>[^:]+):(?<line>\d+):(?<col>\d+) (?<message>.*)$`).error!,
      /^output regex: unknown group \(\?<col>\); the groups are file, line, column/,
    );
  });

  it('does not take lookbehinds, escaped parens or class contents for groups', () => {
    const re = String.raw`^(?<file>[^:(?<x>]+):(?<=:)(?<line>\d+)\(?<y> (?<message>.*)$`;
    assert.ok(!('error' in compileRegexSpec({ regex: re })));
  });

  it('compiles a pattern once', () => {
    assert.equal(compileRegexSpec({ regex: flake8 }), compileRegexSpec({ regex: flake8 }));
  });

  it('skips a match whose optional file or line group did not take part', () => {
    const re = String.raw`^(?:(?<file>\S+):)?(?<line>\d+)? (?<message>.*)$`;
    assert.deepEqual(brief(parseRegex({ regex: re }, 'a.txt:3 yes\n4 no file\nb.txt: no line\n', ctx).findings), [
      'a.txt:3:1 warning [] yes',
    ]);
  });
});

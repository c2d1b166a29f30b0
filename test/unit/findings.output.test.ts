import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOutput } from '../../host/findings/parseOutput';
import { fileUriToPath, relativize } from '../../host/findings/paths';
import { findJsonError } from '../../host/findings/jsonError';
import type { ParseContext } from '../../host/findings/finding';

const ctx: ParseContext = { workspace: '/home/u/proj', agent: 'a', taskId: 't' };

describe('relativize', () => {
  it('makes workspace paths relative with forward slashes and leaves others absolute', () => {
    assert.equal(relativize('/home/u/proj/src/a.ts', '/home/u/proj'), 'src/a.ts');
    assert.equal(relativize('src/a.ts', '/home/u/proj'), 'src/a.ts');
    assert.equal(relativize('./src//b/../a.ts', '/home/u/proj'), 'src/a.ts');
    assert.equal(
      relativize('/home/u/project2/a.ts', '/home/u/proj'),
      '/home/u/project2/a.ts',
      'a sibling with a common prefix is outside',
    );
    assert.equal(relativize('../x.ts', '/home/u/proj'), '/home/u/x.ts');
    assert.equal(relativize('/home/u/proj', '/home/u/proj'), '');
    assert.equal(relativize('/etc/passwd', '/'), 'etc/passwd');
  });
  it('handles Windows paths case-insensitively', () => {
    assert.equal(relativize('c:\\Users\\U\\Proj\\src\\a.ts', 'C:\\Users\\u\\proj'), 'src/a.ts');
    assert.equal(relativize('src\\a.ts', 'C:\\Users\\u\\proj'), 'src/a.ts');
    assert.equal(relativize('D:\\x\\a.ts', 'C:\\Users\\u\\proj'), 'D:/x/a.ts');
    assert.equal(relativize('\\\\server\\share\\a.ts', 'C:\\w'), '//server/share/a.ts');
  });
});

describe('fileUriToPath', () => {
  it('decodes the usual shapes of file URIs', () => {
    assert.equal(fileUriToPath('file:///home/u/a%20b.ts'), '/home/u/a b.ts');
    assert.equal(fileUriToPath('file:/home/u/a.ts'), '/home/u/a.ts');
    assert.equal(fileUriToPath('file://localhost/home/u/a.ts'), '/home/u/a.ts');
    assert.equal(fileUriToPath('file:///c%3A/x/y.ts'), 'C:/x/y.ts');
    assert.equal(fileUriToPath('file://server/share/y.ts'), '//server/share/y.ts');
    assert.equal(fileUriToPath('file:///a/b.ts#L3'), '/a/b.ts');
  });
});

describe('findJsonError', () => {
  it('finds the first error with its line and column', () => {
    assert.deepEqual(findJsonError('{"a": 1,\n "b": tru }'), { line: 2, column: 7, reason: "unexpected 't'" });
    assert.deepEqual(findJsonError('{"a": "x\ny"}'), {
      line: 1,
      column: 9,
      reason: 'character U+000a must be escaped inside a string',
    });
    assert.deepEqual(findJsonError('[1, 2,]'), { line: 1, column: 7, reason: "unexpected ']'" });
    assert.deepEqual(findJsonError('{"a": 01}'), {
      line: 1,
      column: 8,
      reason: "expected ',' or '}' after the property value, got '1'",
    });
    assert.deepEqual(findJsonError('"abc'), { line: 1, column: 1, reason: 'unterminated string' });
    assert.equal(findJsonError('{"a": [1, {"b": null}], "c": "\\u00e9"}'), undefined);
  });
});

describe('parseOutput', () => {
  it('dispatches on the format', () => {
    const sarif = JSON.stringify({
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'x' } },
          results: [
            {
              ruleId: 'R',
              message: { text: 'm' },
              locations: [{ physicalLocation: { artifactLocation: { uri: 'a.ts' } } }],
            },
          ],
        },
      ],
    });
    assert.equal(parseOutput({ kind: 'sarif' }, sarif, ctx).findings[0]!.file, 'a.ts');
    assert.equal(parseOutput({ kind: 'sarif', file: 'out.sarif' }, sarif, ctx).findings.length, 1);
    assert.deepEqual(parseOutput({ kind: 'text' }, 'a.c:1:1: error: x', ctx), { findings: [] });
    assert.equal(parseOutput({ kind: 'pattern', name: 'gcc' }, 'a.c:1:1: error: x', ctx).findings.length, 1);
    assert.equal(
      parseOutput(
        { kind: 'regex', regex: '^(?<file>\\S+) (?<line>\\d+) (?<message>.*)$', severity: 'hint' },
        'a 1 m',
        ctx,
      ).findings[0]!.severity,
      'hint',
    );
  });
});

describe('findings-json', () => {
  const parse = (s: string) => parseOutput({ kind: 'findings-json' }, s, ctx);

  it('reads one finding per line, with defaults', () => {
    const out = [
      '{"file":"/home/u/proj/src/a.ts","line":3,"column":7,"severity":"error","ruleId":"no-x","message":"bad x"}',
      '',
      '{"file":"b.ts","line":1,"message":"plain","fingerprint":"fp1","agent":"ignored","contentHash":"ignored"}\r',
      '{"file":"c.ts","line":2,"endLine":4,"endColumn":2,"severity":"note","message":"spans"}',
    ].join('\n');
    const r = parse(out);
    assert.equal(r.error, undefined);
    assert.deepEqual(r.findings, [
      {
        file: 'src/a.ts',
        line: 3,
        column: 7,
        severity: 'error',
        ruleId: 'no-x',
        message: 'bad x',
        agent: 'a',
        taskId: 't',
      },
      {
        file: 'b.ts',
        line: 1,
        column: 1,
        severity: 'warning',
        ruleId: '',
        message: 'plain',
        agent: 'a',
        taskId: 't',
        fingerprint: 'fp1',
      },
      {
        file: 'c.ts',
        line: 2,
        column: 1,
        endLine: 4,
        endColumn: 2,
        severity: 'info',
        ruleId: '',
        message: 'spans',
        agent: 'a',
        taskId: 't',
      },
    ]);
  });

  it('accepts one JSON array', () => {
    const r = parse('[\n  {"file":"a.ts","line":1,"message":"m"},\n  {"file":"b.ts","line":2,"message":"n"}\n]\n');
    assert.deepEqual(
      r.findings.map((f) => f.file),
      ['a.ts', 'b.ts'],
    );
    assert.equal(
      parse('[{"file":"a.ts","message":"m"}]').error,
      'findings-json: [0].line: expected a positive integer, got nothing',
    );
  });

  it('says which line is broken, and returns no findings', () => {
    const good = '{"file":"a.ts","line":1,"message":"m"}';
    const cases: [string, string][] = [
      [`${good}\nDEBUG: scanning\n`, "findings-json, stdout line 2, column 1: invalid JSON: unexpected 'D'"],
      [
        `${good}\n{"file":"a.ts","line":0,"message":"m"}`,
        'findings-json, stdout line 2: line: expected a positive integer, got the number 0',
      ],
      [`${good}\n{"line":1,"message":"m"}`, 'findings-json, stdout line 2: file: expected a non-empty string'],
      [`{"file":"a.ts","line":1}`, 'findings-json, stdout line 1: message: expected a string, got nothing'],
      [
        `{"file":"a.ts","line":1,"message":"m","severity":"major"}`,
        'findings-json, stdout line 1: severity: expected error, warning, info or hint, got "major"',
      ],
      ['[1]', 'findings-json: [0]: expected an object, got the number 1'],
      ['"x"', 'findings-json, stdout line 1: the line: expected an object, got the string "x"'],
    ];
    for (const [text, error] of cases) assert.deepEqual(parse(text), { findings: [], error });
  });

  it('empty output is no findings', () => {
    assert.deepEqual(parse(''), { findings: [] });
    assert.deepEqual(parse('\n\n'), { findings: [] });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSarif } from '../../host/findings/sarif';
import type { ParseContext } from '../../host/findings/finding';

const ctx: ParseContext = { workspace: '/home/u/proj', agent: 'saa', taskId: 't1' };

type J = Record<string, unknown>;
const log = (runs: unknown, extra: J = {}) => JSON.stringify({ version: '2.1.0', runs, ...extra });
const loc = (uri: string, region?: J, more: J = {}) => ({
  physicalLocation: { artifactLocation: { uri, ...more }, ...(region ? { region } : {}) },
});
const res = (r: J) => ({
  ruleId: 'R1',
  message: { text: 'msg' },
  locations: [loc('src/a.ts', { startLine: 3 })],
  ...r,
});
const oneRun = (results: unknown[], run: J = {}) =>
  log([{ tool: { driver: { name: 't', ...((run.driver as J) ?? {}) } }, results, ...run }]);
const parse = (text: string, c: ParseContext = ctx) => parseSarif(text, c);
/** the findings of a document that must parse without error */
function ok(text: string, c: ParseContext = ctx) {
  const r = parse(text, c);
  assert.equal(r.error, undefined, r.error);
  return r.findings;
}
/** the error of a document that must fail, checking no findings came with it */
function bad(text: string): string {
  const r = parse(text);
  assert.ok(r.error, 'expected an error');
  assert.deepEqual(r.findings, []);
  return r.error;
}

/** the warning of a one-result log whose result could not be read (it is left out, the log is not) */
function leftOut(text: string): string {
  const r = parse(text);
  assert.equal(r.error, undefined, r.error);
  assert.deepEqual(r.findings, []);
  assert.equal(r.warnings?.length, 1);
  return r.warnings![0]!.replace(/ \(this result is left out\)$/, '');
}

describe('parseSarif: results', () => {
  it('reads a full result', () => {
    const text = oneRun([
      {
        ruleId: 'js/xss',
        level: 'error',
        message: { text: 'Cross-site scripting.' },
        locations: [
          loc('src/app.js', { startLine: 10, startColumn: 5, endLine: 12, endColumn: 9 }, { uriBaseId: '%SRCROOT%' }),
        ],
      },
    ]);
    assert.deepEqual(ok(text), [
      {
        file: 'src/app.js',
        line: 10,
        column: 5,
        endLine: 12,
        endColumn: 9,
        severity: 'error',
        ruleId: 'js/xss',
        message: 'Cross-site scripting.',
        agent: 'saa',
        taskId: 't1',
      },
    ]);
  });

  it('maps levels: error/warning/note/none → error/warning/info/hint', () => {
    const levels = ['error', 'warning', 'note', 'none'];
    const f = ok(oneRun(levels.map((level) => res({ level }))));
    assert.deepEqual(
      f.map((x) => x.severity),
      ['error', 'warning', 'info', 'hint'],
    );
  });

  it('a missing level takes the rule default, else "warning"; non-fail kinds default to hint', () => {
    const driver = { rules: [{ id: 'R0' }, { id: 'R1', defaultConfiguration: { level: 'error' } }] };
    const f = ok(
      oneRun(
        [
          res({ ruleId: 'R1' }), // found by id
          res({ ruleId: undefined, ruleIndex: 1 }), // found by index
          res({ ruleId: 'R0' }), // rule without a default
          res({ ruleId: 'nope' }), // no rule at all
          res({ ruleId: 'R1', kind: 'informational' }),
          res({ ruleId: 'R1', kind: 'review', level: 'warning' }),
        ],
        { driver },
      ),
    );
    assert.deepEqual(
      f.map((x) => x.severity),
      ['error', 'error', 'warning', 'warning', 'hint', 'warning'],
    );
    assert.equal(f[1]!.ruleId, 'R1', 'ruleId comes from the indexed rule');
  });

  it('drops pass / notApplicable and baseline-absent results; counts suppressed ones', () => {
    const r = parse(
      oneRun([
        res({ kind: 'pass' }),
        res({ kind: 'notApplicable' }),
        res({ suppressions: [{ kind: 'inSource' }] }),
        res({ suppressions: [{ kind: 'external', status: 'accepted' }] }),
        res({ baselineState: 'absent' }),
        res({ suppressions: [{ kind: 'external', status: 'rejected' }], message: { text: 'kept' } }),
        res({ baselineState: 'new', message: { text: 'kept too' } }),
      ]),
    );
    assert.deepEqual(
      r.findings.map((f) => f.message),
      ['kept', 'kept too'],
    );
    assert.equal(r.suppressed, 2);
  });

  it('a result is suppressed only when every suppression is accepted (or has no status)', () => {
    const accepted = { kind: 'inSource', status: 'accepted' };
    const r = parse(
      oneRun([
        res({ suppressions: [accepted, { kind: 'external' }], message: { text: 'hidden' } }),
        res({ suppressions: [accepted, { kind: 'external', status: 'underReview' }], message: { text: 'review' } }),
        res({ suppressions: [{ kind: 'inSource', status: 'rejected' }, accepted], message: { text: 'rejected' } }),
        res({ suppressions: [], message: { text: 'none' } }),
      ]),
    );
    assert.deepEqual(
      r.findings.map((f) => f.message),
      ['review', 'rejected', 'none'],
    );
    assert.equal(r.suppressed, 1);
  });

  it('keeps results with no file as task-level findings (file ""), naming a logical location', () => {
    const r = parse(
      oneRun([
        res({ locations: undefined, message: { text: 'no project file' }, level: 'error' }),
        res({ locations: [] }),
        res({ locations: [{ logicalLocations: [{ fullyQualifiedName: 'pkg.Cls' }] }] }),
        res({ message: { text: 'placed' } }),
      ]),
    );
    assert.equal(r.error, undefined);
    assert.deepEqual(
      r.findings.map((f) => [f.file, f.line, f.severity, f.message]),
      [
        ['', 1, 'error', 'no project file'],
        ['', 1, 'warning', 'msg'],
        ['', 1, 'warning', 'msg (in pkg.Cls)'],
        ['src/a.ts', 3, 'warning', 'placed'],
      ],
    );
  });

  it('collects the results of several runs, in order', () => {
    const text = log([
      { tool: { driver: { name: 'a' } }, results: [res({ ruleId: 'A1' }), res({ ruleId: 'A2' })] },
      { tool: { driver: { name: 'b' } }, results: [] },
      { tool: { driver: { name: 'c' } } }, // no results property: nothing to report
      { tool: { driver: { name: 'd' } }, results: [res({ ruleId: 'D1' })] },
    ]);
    assert.deepEqual(
      ok(text).map((f) => f.ruleId),
      ['A1', 'A2', 'D1'],
    );
  });

  it('gives rule.id and ruleIndex into a tool extension', () => {
    const text = oneRun(
      [
        res({ ruleId: undefined, rule: { id: 'X' } }),
        res({ ruleId: undefined, rule: { index: 0, toolComponent: { index: 0 } } }),
      ],
      {
        tool: {
          driver: { name: 't' },
          extensions: [{ name: 'ext', rules: [{ id: 'EXT1', defaultConfiguration: { level: 'note' } }] }],
        },
      },
    );
    const f = ok(text);
    assert.deepEqual(
      f.map((x) => [x.ruleId, x.severity]),
      [
        ['X', 'warning'],
        ['EXT1', 'info'],
      ],
    );
  });
});

describe('parseSarif: messages', () => {
  const driver = {
    globalMessageStrings: { g: { text: 'Global {0}.' } },
    rules: [
      {
        id: 'R1',
        messageStrings: {
          default: { text: "Variable '{0}' is unused in {1}." },
          md: { markdown: 'Use `{0}`' },
          braces: { text: '{{literal}} {0} {5}' },
        },
      },
    ],
  };
  const msgs = (...messages: J[]) =>
    ok(
      oneRun(
        messages.map((message) => res({ message })),
        { driver },
      ),
    ).map((f) => f.message);

  it('fills messageStrings placeholders from arguments, then falls back to globalMessageStrings', () => {
    assert.deepEqual(
      msgs(
        { id: 'default', arguments: ['x', 'f()'] },
        { id: 'g', arguments: ['thing'] },
        { id: 'md', arguments: ['const'] },
        { id: 'braces', arguments: ['a'] },
      ),
      ["Variable 'x' is unused in f().", 'Global thing.', 'Use `const`', '{literal} a {5}'],
    );
  });

  it('text wins over id; text placeholders are filled too; markdown is the last resort', () => {
    assert.deepEqual(
      msgs({ text: 'plain', id: 'default' }, { text: 'got {0}', arguments: ['1'] }, { markdown: '**bold**' }),
      ['plain', 'got 1', '**bold**'],
    );
  });

  it('turns embedded links into their words and unescapes brackets', () => {
    assert.deepEqual(
      msgs({ text: 'This depends on [user input](1) via [docs](https://x.y/z) and \\[not a link\\](2).' }),
      ['This depends on user input via docs and [not a link](2).'],
    );
  });

  it('an empty message falls back to the rule short description', () => {
    const f = ok(
      oneRun([res({ message: { text: '' } })], {
        driver: { rules: [{ id: 'R1', shortDescription: { text: 'Short.' } }] },
      }),
    );
    assert.equal(f[0]!.message, 'Short.');
  });

  it('an unknown message id or a message with nothing in it is an error', () => {
    assert.match(
      leftOut(oneRun([res({ message: { id: 'nope' } })], { driver })),
      /^runs\[0\]\.results\[0\]\.message\.id: "nope" is in neither/,
    );
    assert.equal(leftOut(oneRun([res({ message: {} })])), 'runs[0].results[0].message: expected text, id or markdown');
    assert.equal(
      leftOut(oneRun([res({ message: undefined })])),
      'runs[0].results[0].message: expected an object, got nothing (the property is missing)',
    );
  });
});

describe('parseSarif: locations', () => {
  const file = (l: unknown, c: ParseContext = ctx, run: J = {}) =>
    ok(oneRun([res({ locations: [l] })], run), c)[0]!.file;

  it('resolves relative, ./ and ../ URIs against the workspace', () => {
    assert.equal(file(loc('src/a.ts')), 'src/a.ts');
    assert.equal(file(loc('./src/../lib/b.ts')), 'lib/b.ts');
    assert.equal(file(loc('../other/c.ts')), '/home/u/other/c.ts');
  });

  it('decodes absolute file: URIs, inside and outside the workspace', () => {
    assert.equal(file(loc('file:///home/u/proj/src/my%20file%23.ts')), 'src/my file#.ts');
    assert.equal(file(loc('file:///usr/include/stdio.h')), '/usr/include/stdio.h');
    assert.equal(file(loc('src/caf%C3%A9.ts')), 'src/café.ts');
    assert.equal(file(loc('src/100%.ts')), 'src/100%.ts', 'a malformed escape stays as it is');
    assert.equal(file(loc('https://example.com/a.js')), 'https://example.com/a.js');
  });

  it('handles Windows workspaces and drive-letter URIs', () => {
    const win: ParseContext = { ...ctx, workspace: 'C:\\Users\\u\\proj' };
    assert.equal(file(loc('file:///c%3A/Users/u/proj/src/a.ts'), win), 'src/a.ts');
    assert.equal(file(loc('file:///C:/Users/u/proj/src/b.ts'), win), 'src/b.ts');
    assert.equal(file(loc('src\\c.ts'), win), 'src/c.ts');
    assert.equal(file(loc('file:///D:/x.ts'), win), 'D:/x.ts');
  });

  it('resolves uriBaseId through originalUriBaseIds chains; unknown ids mean the workspace', () => {
    const run = {
      originalUriBaseIds: {
        SRCROOT: { uri: 'file:///home/u/proj/' },
        PKG: { uri: 'packages/core/', uriBaseId: 'SRCROOT' },
        BUILD: { uri: 'file:///tmp/build/' },
        UNKNOWN: { description: { text: 'decided by the consumer' } },
      },
    };
    assert.equal(file(loc('lib/x.ts', undefined, { uriBaseId: 'PKG' }), ctx, run), 'packages/core/lib/x.ts');
    assert.equal(file(loc('gen.c', undefined, { uriBaseId: 'BUILD' }), ctx, run), '/tmp/build/gen.c');
    assert.equal(file(loc('a.ts', undefined, { uriBaseId: 'UNKNOWN' }), ctx, run), 'a.ts');
    assert.equal(file(loc('a.ts', undefined, { uriBaseId: '%SRCROOT%' })), 'a.ts');
    assert.equal(file(loc('a.ts', undefined, { uriBaseId: 'NOT_DEFINED' }), ctx, run), 'a.ts');
  });

  it('reports a uriBaseId cycle', () => {
    const run = { originalUriBaseIds: { A: { uri: 'x/', uriBaseId: 'B' }, B: { uri: 'y/', uriBaseId: 'A' } } };
    assert.equal(
      leftOut(oneRun([res({ locations: [loc('f.ts', undefined, { uriBaseId: 'A' })] })], run)),
      'runs[0].originalUriBaseIds.A: uriBaseId cycle: A → B → A',
    );
  });

  it('follows artifactLocation.index into run.artifacts', () => {
    const run = {
      artifacts: [{ location: { uri: 'src/zero.ts' } }, { location: { uri: 'one.ts', uriBaseId: 'SUB' } }],
      originalUriBaseIds: { SUB: { uri: 'file:///home/u/proj/sub/' } },
    };
    const at = (index: number) => ({ physicalLocation: { artifactLocation: { index }, region: { startLine: 1 } } });
    assert.equal(file(at(0), ctx, run), 'src/zero.ts');
    assert.equal(file(at(1), ctx, run), 'sub/one.ts');
    assert.equal(
      leftOut(oneRun([res({ locations: [at(5)] })], run)),
      'runs[0].results[0].locations[0].physicalLocation.artifactLocation.index: 5 is out of range: runs[0].artifacts has 2 entries',
    );
  });

  it('fills in missing region parts', () => {
    const one = (region?: J) => {
      const f = ok(oneRun([res({ locations: [loc('a.ts', region)] })]))[0]!;
      return [f.line, f.column, f.endLine, f.endColumn];
    };
    assert.deepEqual(one(undefined), [1, 1, undefined, undefined], 'no region: the file');
    assert.deepEqual(one({ startLine: 7 }), [7, 1, 7, undefined], 'no columns: the whole line');
    assert.deepEqual(
      one({ startLine: 7, startColumn: 3 }),
      [7, 3, 7, undefined],
      'no end column: to the end of the line',
    );
    assert.deepEqual(one({ startLine: 7, startColumn: 3, endColumn: 8 }), [7, 3, 7, 8]);
    assert.deepEqual(
      one({ charOffset: 120, charLength: 4 }),
      [1, 1, undefined, undefined],
      'offsets only: unknown line',
    );
    assert.deepEqual(
      one({ startLine: 7, endLine: 5 }),
      [7, 1, undefined, undefined],
      'an end before the start is dropped',
    );
  });
});

describe('parseSarif: fingerprints', () => {
  const fp = (r: J) => ok(oneRun([res(r)]))[0]!.fingerprint;
  it('takes fingerprints before partialFingerprints, first key in sorted order', () => {
    assert.equal(fp({ partialFingerprints: { primaryLocationLineHash: 'hash1', a: 'first' } }), 'first');
    assert.equal(fp({ partialFingerprints: { p: 'partial' }, fingerprints: { 'matchBasedId/v1': 'full' } }), 'full');
    assert.equal(fp({}), undefined);
    assert.equal(fp({ partialFingerprints: {} }), undefined);
  });
  it('rejects a non-string fingerprint', () => {
    assert.equal(
      leftOut(oneRun([res({ partialFingerprints: { 'primaryLocationLineHash/v1': 5 } })])),
      'runs[0].results[0].partialFingerprints["primaryLocationLineHash/v1"]: expected a string, got the number 5',
    );
  });
});

describe('parseSarif: broken documents', () => {
  it('locates invalid JSON by line and column', () => {
    assert.equal(
      bad('{\n  "version": "2.1.0",\n  "runs": [ }\n}'),
      "invalid JSON at line 3, column 13: unexpected '}'",
    );
    assert.equal(
      bad('{"version": "2.1.0", "runs": []'),
      "invalid JSON at line 1, column 32: expected ',' or '}' after the property value, got end of input",
    );
    assert.equal(
      bad('{"version": "2.1.0", "runs": []} trailing'),
      "invalid JSON at line 1, column 34: unexpected 't' after the end of the JSON document",
    );
    assert.match(
      bad('Scanning 3 files...\n{"version":"2.1.0","runs":[]}'),
      /^invalid JSON at line 1, column 1: .*print something before/,
    );
  });

  it('says when the output is empty', () => {
    assert.match(bad(''), /^empty output/);
    assert.match(bad('  \n'), /^empty output/);
  });

  it('rejects other versions', () => {
    assert.equal(bad(JSON.stringify({ version: '2.0.0', runs: [] })), 'version: expected version 2.1.0, got "2.0.0"');
    assert.equal(bad(JSON.stringify({ runs: [] })), 'version: expected version 2.1.0, got no version property');
    assert.equal(bad('[]'), 'the document: expected an object, got an array');
  });

  it('rejects runs that are not an array', () => {
    assert.equal(bad(log({})), 'runs: expected an array, got an object');
    assert.equal(
      bad(JSON.stringify({ version: '2.1.0' })),
      'runs: expected an array, got nothing (the property is missing)',
    );
    assert.match(bad(log(null)), /^runs: null/);
  });

  it('a region value out of range is dropped for that result only, with a warning naming its path', () => {
    const good = { tool: { driver: { name: 't' } }, results: [res({})] };
    const results = [0, 1, 2, 3, 4].map(() => res({}));
    results.push(res({ locations: [loc('a.ts', { startLine: 0 })], message: { text: 'no line' } }));
    const r = parse(log([good, good, { tool: { driver: { name: 't' } }, results }]));
    assert.equal(r.error, undefined);
    assert.equal(r.findings.length, 8);
    assert.deepEqual([r.findings[7]!.file, r.findings[7]!.line, r.findings[7]!.message], ['a.ts', 1, 'no line']);
    assert.deepEqual(r.warnings, [
      'runs[2].results[5].locations[0].physicalLocation.region.startLine: expected a positive integer, got the number 0 (ignored: the finding keeps the rest of its place)',
    ]);
  });

  it("gitleaks' endColumn 0: every finding kept, the bad end dropped", () => {
    const results = [1, 2, 3].map((n) =>
      res({ locations: [loc('.env', { startLine: n, startColumn: 5, endLine: n, endColumn: n === 2 ? 0 : 20 })] }),
    );
    const r = parse(oneRun(results));
    assert.deepEqual(
      r.findings.map((f) => [f.line, f.column, f.endColumn]),
      [
        [1, 5, 20],
        [2, 5, undefined],
        [3, 5, 20],
      ],
    );
    assert.match(r.warnings![0]!, /^runs\[0\]\.results\[1\]\.locations\[0\]\.physicalLocation\.region\.endColumn: /);
  });

  it('a result that cannot be read is left out with a warning; the others stay', () => {
    const cases: Array<[unknown, string]> = [
      [
        res({ level: 'fatal' }),
        'runs[0].results[0].level: expected one of error, warning, note, none, got the string "fatal"',
      ],
      [
        res({ kind: 'bogus' }),
        'runs[0].results[0].kind: expected one of pass, open, informational, notApplicable, review, fail, got the string "bogus"',
      ],
      ['x', 'runs[0].results[0]: expected an object, got the string "x"'],
      [
        res({ locations: [{ physicalLocation: { artifactLocation: {} } }] }),
        'runs[0].results[0].locations[0].physicalLocation.artifactLocation: expected a uri or an index into runs[0].artifacts',
      ],
    ];
    for (const [bad0, msg] of cases) {
      const r = parse(oneRun([bad0, res({ message: { text: 'fine' } })]));
      assert.equal(r.error, undefined, msg);
      assert.deepEqual(
        r.findings.map((f) => f.message),
        ['fine'],
      );
      assert.deepEqual(r.warnings, [`${msg} (this result is left out)`]);
    }
    const rules = { driver: { rules: [{ id: 'R1', defaultConfiguration: { level: 'high' } }] } };
    assert.deepEqual(parse(oneRun([res({})], rules)).warnings, [
      'runs[0].tool.driver.rules[0].defaultConfiguration.level: expected one of error, warning, note, none, got the string "high" (this result is left out)',
    ]);
    assert.deepEqual(parse(oneRun([res({ ruleIndex: 3 })], { driver: { rules: [{ id: 'R1' }] } })).warnings, [
      'runs[0].results[0].ruleIndex: 3 is out of range: runs[0].tool.driver.rules has 1 entry (this result is left out)',
    ]);
    const col = parse(oneRun([res({ locations: [loc('a.ts', { startLine: 2, startColumn: '4' })] })]));
    assert.deepEqual(
      col.findings.map((f) => [f.line, f.column]),
      [[2, 1]],
    );
    const many = parse(oneRun(Array.from({ length: 9 }, () => 'x')));
    assert.equal(many.warnings!.length, 6);
    assert.equal(many.warnings![5], '… and 4 more');
  });

  it('a malformed part of a run is read as absent, with a warning; results that do not need it stay', () => {
    const text = log([
      {
        tool: { driver: 'eslint', extensions: {} },
        artifacts: 'none',
        originalUriBaseIds: [],
        results: [
          res({ message: { text: 'needs nothing' } }),
          res({ locations: [{ physicalLocation: { artifactLocation: { index: 0 } } }] }),
        ],
      },
    ]);
    const r = parse(text);
    assert.equal(r.error, undefined);
    assert.deepEqual(
      r.findings.map((f) => [f.file, f.message]),
      [['src/a.ts', 'needs nothing']],
    );
    assert.deepEqual(r.warnings, [
      'runs[0].tool.driver: expected an object, got the string "eslint" (read as absent)',
      'runs[0].tool.extensions: expected an array, got an object (read as absent)',
      'runs[0].artifacts: expected an array, got the string "none" (read as absent)',
      'runs[0].originalUriBaseIds: expected an object, got an array (read as absent)',
      'runs[0].results[1].locations[0].physicalLocation.artifactLocation.index: 0 is out of range: runs[0].artifacts has no entries (this result is left out)',
    ]);
  });

  it('only a log that is not SARIF fails: results that are not an array', () => {
    assert.equal(bad(oneRun({} as unknown[])), 'runs[0].results: expected an array, got an object');
  });

  it('reads invocations: error notifications with a file are findings, without one task-level; failure is reported', () => {
    const run = {
      invocations: [
        {
          executionSuccessful: false,
          toolExecutionNotifications: [
            {
              level: 'error',
              message: { text: 'Parsing error: Unexpected token }' },
              descriptor: { id: 'ESL0999' },
              locations: [loc('src/broken.js', { startLine: 4, startColumn: 2 })],
            },
            { level: 'error', message: { text: 'No project file found' } },
            { level: 'note', message: { text: 'took 2s' } },
            { level: 'warning', message: { text: 'rule X is deprecated' }, associatedRule: { id: 'X' } },
          ],
          toolConfigurationNotifications: [{ message: 'not an object' }],
        },
      ],
    };
    const r = parse(oneRun([res({ message: { text: 'a result' } })], run));
    assert.equal(r.error, undefined);
    assert.deepEqual(
      r.findings.map((f) => [f.file, f.line, f.column, f.severity, f.ruleId, f.message]),
      [
        ['src/a.ts', 3, 1, 'warning', 'R1', 'a result'],
        ['src/broken.js', 4, 2, 'error', 'ESL0999', 'Parsing error: Unexpected token }'],
        ['', 1, 1, 'error', 'tool-notification', 'No project file found'],
        ['', 1, 1, 'warning', 'X', 'rule X is deprecated'],
      ],
    );
    assert.equal(r.executionFailed, 'the tool reports that its run did not succeed: Parsing error: Unexpected token }');
    assert.deepEqual(r.warnings, [
      'runs[0].invocations[0].toolConfigurationNotifications[0].message: expected an object, got the string "not an object" (this notification is left out)',
    ]);
    const ok2 = parse(oneRun([], { invocations: [{ executionSuccessful: true }] }));
    assert.equal(ok2.executionFailed, undefined);
  });

  it('accepts a trailing newline, CRLF line ends and a byte order mark', () => {
    const pretty = JSON.stringify(JSON.parse(oneRun([res({})])), null, 2).replace(/\n/g, '\r\n');
    assert.equal(ok(`${pretty}\r\n`).length, 1);
    assert.equal(ok(`\ufeff${oneRun([res({})])}\n`).length, 1);
  });
});

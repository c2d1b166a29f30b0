// The secrets agent's pure helpers (host/builtin/secretsAgent.ts): task parsing, the .gitignore
// matcher and the SARIF log. The process itself: test/integration/secretsMain.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSecretsIgnore } from '../../host/builtin/secretsIgnore';
import { RULES, scanText } from '../../host/builtin/secrets';
import { gitignoreMatcher, parseTask, toSarif, UsageError } from '../../host/builtin/secretsAgent';

// fake, assembled from pieces so that this file scans clean
const GHP = ['gh', 'p_lo4CIXDzx9XX0lTA1ibslTTOAJLvAiKfdU6x'].join('');

describe('secrets agent helpers', () => {
  it('parseTask accepts the host task and rejects bad shapes with a UsageError', () => {
    const t = parseTask(
      JSON.stringify({ id: 't1', agent: 'saa', task: 'audit', files: ['a.ts'], workspace: '/ws' }),
      '/cwd',
    );
    assert.deepEqual(t, { id: 't1', agent: 'saa', task: 'audit', files: ['a.ts'], workspace: '/ws' });
    assert.equal(parseTask('{}', '/cwd').workspace, '/cwd');
    for (const bad of ['', '{', '[]', '42', '{"files":"a.ts"}', '{"files":[1]}', '{"workspace":3}', '{"params":[]}']) {
      assert.throws(() => parseTask(bad, '/cwd'), UsageError, bad);
    }
  });

  it('gitignoreMatcher: basename patterns, anchored patterns, directories, negation', () => {
    const ig = gitignoreMatcher('# comment\n*.log\n/build-cache\nsecrets/\n!keep.log\ndocs/**/*.tmp\n');
    assert.equal(ig('a/b/x.log', false), true);
    assert.equal(ig('a/keep.log', false), false);
    assert.equal(ig('build-cache', true), true);
    assert.equal(ig('src/build-cache', true), false);
    assert.equal(ig('config/secrets', true), true);
    assert.equal(ig('config/secrets', false), false);
    assert.equal(ig('docs/a/b/x.tmp', false), true);
    assert.equal(ig('src/x.ts', false), false);
  });

  it('toSarif writes a 2.1.0 log with rules, relative encoded URIs and fingerprints', () => {
    const hits = scanText(`GITHUB_TOKEN=${GHP}`, 'deploy/my env#1.env');
    const log = toSarif(hits, '/ws/project') as any;
    assert.equal(log.version, '2.1.0');
    const run = log.runs[0];
    assert.equal(run.tool.driver.name, 'agentic-bg secrets');
    assert.deepEqual(
      run.tool.driver.rules.map((r: { id: string }) => r.id),
      RULES.map((r) => r.id),
    );
    assert.equal(run.originalUriBaseIds['%SRCROOT%'].uri, 'file:///ws/project/');
    const r = run.results[0];
    assert.equal(r.ruleId, 'github-token');
    assert.equal(r.level, 'error');
    assert.equal(run.tool.driver.rules[r.ruleIndex].id, 'github-token');
    assert.deepEqual(r.locations[0].physicalLocation, {
      artifactLocation: { uri: 'deploy/my%20env%231.env', uriBaseId: '%SRCROOT%' },
      region: { startLine: 1, startColumn: 14, endLine: 1, endColumn: 54 },
    });
    assert.deepEqual(r.partialFingerprints, { 'secretHash/v1': hits[0].fingerprint });
    const out = JSON.stringify(log);
    for (let i = 4; i + 8 <= GHP.length; i++) assert.ok(!out.includes(GHP.slice(i, i + 8)), 'the token leaked');
  });
});

describe('secrets ignore file (.agentic/secrets-ignore)', () => {
  it('globs with a slash match the path, without one the base name; rules narrow an entry', () => {
    const ig = parseSecretsIgnore(
      '# known cases\ntest/fixtures/**\n*.sql   password-hash\ndocs/*.md credentials-in-url,key-file  # docs\n\n',
    );
    assert.deepEqual(ig.issues, []);
    assert.equal(ig.entries, 3);
    assert.ok(ig.ignores('test/fixtures/a/.env', 'password-assignment'));
    assert.ok(!ig.ignores('src/test/fixtures/a.env', 'password-assignment'), 'anchored at the root');
    assert.ok(ig.ignores('db/seed/users.sql', 'password-hash'));
    assert.ok(!ig.ignores('db/seed/users.sql', 'credentials-in-url'), 'another rule is still reported');
    assert.ok(ig.ignores('docs/setup.md', 'key-file') && ig.ignores('docs/setup.md', 'credentials-in-url'));
    assert.ok(!ig.ignores('docs/deep/setup.md', 'key-file'));
  });

  it('an unknown rule or a third word is an issue with line and column, and the line ignores nothing', () => {
    const ig = parseSecretsIgnore('ok/** key-file\n  src/** password-hsah\n*.env password-hash extra\n');
    assert.deepEqual(
      ig.issues.map((i) => [i.line, i.column, i.message.slice(0, 30)]),
      [
        [2, 10, 'unknown rule "password-hsah" ('],
        [3, 21, 'unexpected "extra": a line is '],
      ],
    );
    assert.equal(ig.entries, 1);
    assert.ok(!ig.ignores('src/a.ts', 'password-hash'));
    assert.ok(!ig.ignores('a.env', 'password-hash'));
  });
});

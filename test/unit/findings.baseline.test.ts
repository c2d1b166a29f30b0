// Baselines: fingerprints that survive unrelated edits, the multiset filter, the file format, and
// the host-side bookkeeping that lets a baseline be re-recorded without losing hidden findings.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  addFingerprints,
  filterNew,
  lineFingerprint,
  normalizeLine,
  parseBaseline,
  serializeBaseline,
  toEntry,
} from '../../host/findings/baseline';
import { Baselines } from '../../host/findings/baselines';
import { FindingsStore } from '../../host/findings/findingsStore';
import { nullLogger } from '../../host/logger';
import { resolveConfig } from '../../common/configSchema';
import type { Finding, TaskInfo } from '../../common/model';

function finding(p: Partial<Finding> & { file: string; line: number }): Finding {
  return { column: 1, severity: 'warning', ruleId: 'R', message: 'm', agent: 'lint', taskId: 't1', ...p };
}

describe('fingerprints', () => {
  it('ignore indentation and where the line is, not the rule, file or text', () => {
    assert.equal(normalizeLine('  \tif (a  ==  b) {  '), 'if (a == b) {');
    const fp = lineFingerprint('eqeqeq', 'src/a.js', 'if (a == b) {');
    assert.equal(fp, lineFingerprint('eqeqeq', 'src/a.js', '    if (a ==   b) {'));
    assert.match(fp, /^[0-9a-f]{32}$/);
    assert.notEqual(fp, lineFingerprint('no-eq-null', 'src/a.js', 'if (a == b) {'));
    assert.notEqual(fp, lineFingerprint('eqeqeq', 'src/b.js', 'if (a == b) {'));
    assert.notEqual(fp, lineFingerprint('eqeqeq', 'src/a.js', 'if (a == c) {'));
  });

  it("come from the finding's line; a tool fingerprint is kept; an unreadable line falls back to the message", () => {
    const before = ['const x = 1;', 'if (a == b) {}'];
    const after = ['// a new header line', '', 'const x = 1;', '   if (a == b) {}'];
    const f1 = finding({ file: 'a.js', line: 2, ruleId: 'eqeqeq' });
    const f2 = finding({ file: 'a.js', line: 4, ruleId: 'eqeqeq' });
    addFingerprints([f1], () => before);
    addFingerprints([f2], () => after);
    assert.equal(f1.fingerprint, f2.fingerprint, 'the finding moved down two lines and was re-indented');
    const sarif = finding({ file: 'a.js', line: 2, fingerprint: 'tool/abc' });
    addFingerprints([sarif], () => before);
    assert.equal(sarif.fingerprint, 'tool/abc');
    const gone1 = finding({ file: 'gone.js', line: 9, message: 'x' });
    const gone2 = finding({ file: 'gone.js', line: 3, message: 'x' });
    addFingerprints([gone1, gone2], () => undefined);
    assert.equal(gone1.fingerprint, gone2.fingerprint);
  });
});

describe('filterNew', () => {
  const base = [
    finding({ file: 'a.sh', line: 3, fingerprint: 'A' }),
    finding({ file: 'a.sh', line: 5, fingerprint: 'B' }),
  ].map(toEntry);

  it('hides baselined findings and reports new ones', () => {
    const now = [
      finding({ file: 'a.sh', line: 4, fingerprint: 'A' }),
      finding({ file: 'a.sh', line: 9, fingerprint: 'C' }),
    ];
    const r = filterNew(now, base, 'lint');
    assert.deepEqual(
      r.fresh.map((f) => f.fingerprint),
      ['C'],
    );
    assert.deepEqual(
      r.baselined.map((f) => f.fingerprint),
      ['A'],
    );
  });

  it('counts copies: one entry hides one finding', () => {
    const now = [
      finding({ file: 'a.sh', line: 3, fingerprint: 'A' }),
      finding({ file: 'a.sh', line: 7, fingerprint: 'A' }),
    ];
    const r = filterNew(now, base, 'lint');
    assert.equal(r.baselined.length, 1);
    assert.equal(r.fresh.length, 1);
  });

  it('only uses the entries of the same agent', () => {
    const r = filterNew([finding({ file: 'a.sh', line: 3, fingerprint: 'A', agent: 'other' })], base, 'other');
    assert.equal(r.fresh.length, 1);
  });
});

describe('the baseline file', () => {
  it('round-trips, sorted, and says what is wrong with a broken one', () => {
    const entries = [
      finding({ file: 'b', line: 1, fingerprint: 'x' }),
      finding({ file: 'a', line: 2, fingerprint: 'y' }),
    ].map(toEntry);
    const text = serializeBaseline(entries, new Date('2024-01-01T00:00:00Z'));
    const back = parseBaseline(text);
    assert.ok('entries' in back);
    assert.deepEqual(
      back.entries.map((e) => e.file),
      ['a', 'b'],
    );
    assert.match(JSON.parse(text).createdAt, /^2024-01-01/);
    assert.match((parseBaseline('{"version": 1, "entries": [') as { error: string }).error, /not valid JSON/);
    assert.match((parseBaseline('{"version": 2, "entries": []}') as { error: string }).error, /version/);
    assert.match(
      (parseBaseline('{"version": 1, "entries": [{"agent": "a"}]}') as { error: string }).error,
      /entries\[0\]/,
    );
  });
});

describe('Baselines (host side)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agbg-baseline-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const logger = nullLogger;
  const cfg = resolveConfig({
    background: { agents: { lint: { command: ['x'], baseline: true }, plain: { command: ['y'] } } },
  });
  let n = 0;
  const task = (agent: string, files: string[]): TaskInfo => {
    const at = new Date(Date.UTC(2024, 0, 1, 0, 0, ++n)).toISOString();
    return {
      id: `t${n}`,
      agent,
      task: 'lint',
      state: 'succeeded',
      priority: 'medium',
      key: 'k',
      files,
      attempts: 1,
      maxAttempts: 1,
      createdAt: at,
      updatedAt: at,
      finishedAt: at,
    };
  };

  it('records, filters, re-records without losing hidden findings, and withdraws what it now accepts', async () => {
    const file = join(dir, 'baseline.json');
    const b = new Baselines(file, logger);
    const visible = new FindingsStore();
    const run = async (agent: string, files: string[], found: Finding[]) => {
      const t = task(agent, files);
      const r = agent === 'lint' ? await b.filter(agent, found) : { fresh: found, baselined: [] };
      visible.apply(t, r.fresh);
      b.noteRun(t, r.fresh, r.baselined);
      return r;
    };
    const none = await b.filter('lint', [finding({ file: 'a', line: 1, fingerprint: 'A' })]);
    assert.match(none.note!, /no baseline recorded yet/);

    await run(
      'lint',
      ['a'],
      [finding({ file: 'a', line: 1, fingerprint: 'A' }), finding({ file: 'a', line: 2, fingerprint: 'B' })],
    );
    await run('plain', ['a'], [finding({ file: 'a', line: 1, fingerprint: 'P', agent: 'plain' })]);
    const rec = await b.record(visible, cfg);
    assert.deepEqual(rec.agents, { lint: 2, plain: 1 });

    // withdrawn at once for the baseline agent; the plain agent keeps showing its finding
    const changes = await b.refilter(visible, cfg);
    assert.deepEqual(
      changes.map((c) => [c.agent, c.files.map((f) => [f.file, f.findings.length])]),
      [['lint', [['a', 0]]]],
    );
    assert.deepEqual(
      visible.list().map((f) => f.fingerprint),
      ['P'],
    );

    // next run: A fixed, B still there, C new
    const r = await run(
      'lint',
      ['a'],
      [finding({ file: 'a', line: 2, fingerprint: 'B' }), finding({ file: 'a', line: 3, fingerprint: 'C' })],
    );
    assert.deepEqual(
      r.fresh.map((f) => f.fingerprint),
      ['C'],
    );
    assert.deepEqual(
      r.baselined.map((f) => f.fingerprint),
      ['B'],
    );

    // re-recording keeps B (hidden, still found), adds C, drops the fixed A
    await b.record(visible, cfg, 'lint');
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { entries: Array<{ agent: string; fingerprint: string }> };
    assert.deepEqual(
      doc.entries.map((e) => `${e.agent}:${e.fingerprint}`),
      ['lint:B', 'lint:C', 'plain:P'],
    );
  });

  it('carries over the entries of files no run has covered since the start', async () => {
    const file = join(dir, 'carried.json');
    writeFileSync(
      file,
      serializeBaseline(
        [
          finding({ file: 'old.js', line: 4, fingerprint: 'OLD' }),
          finding({ file: 'a', line: 1, fingerprint: 'GONE' }),
        ].map(toEntry),
        new Date(),
      ),
    );
    const b = new Baselines(file, logger);
    const visible = new FindingsStore();
    const t = task('lint', ['a']);
    const r = await b.filter('lint', [finding({ file: 'a', line: 1, fingerprint: 'N' })]);
    visible.apply(t, r.fresh);
    b.noteRun(t, r.fresh, r.baselined);
    await b.record(visible, cfg);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { entries: Array<{ fingerprint: string }> };
    assert.deepEqual(doc.entries.map((e) => e.fingerprint).sort(), ['N', 'OLD']);
  });

  it('reports every finding, with a note, when the file is broken', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"version": 1, "entries": [');
    const r = await new Baselines(file, logger).filter('lint', [finding({ file: 'a', line: 1, fingerprint: 'A' })]);
    assert.equal(r.fresh.length, 1);
    assert.match(r.note!, /baseline ignored.*not valid JSON/);
  });
});

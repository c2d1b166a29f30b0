// The built-in secrets agent as a process: run host/builtin/secretsMain.ts through tsx the way the
// host spawns it (cwd = workspace, task in AGENTIC_TASK or on stdin) and check the SARIF on
// stdout, the exit codes (0 clean, 1 findings, 2 usage error) and that nothing leaks a secret.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'host', 'builtin', 'secretsMain.ts');
const TSX = pathToFileURL(require.resolve('tsx')).href; // absolute, so any cwd works
const FIXTURES = join(ROOT, 'test', 'fixtures', 'secrets');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cwd: string, task: string | undefined, stdin?: string): Promise<Run> {
  const env = { ...process.env };
  delete env.AGENTIC_TASK;
  if (task !== undefined) env.AGENTIC_TASK = task;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

type Sarif = any;

function results(r: Run): string[] {
  const log: Sarif = JSON.parse(r.stdout);
  return log.runs[0].results
    .map((x: Sarif) => {
      const { artifactLocation: a, region: g } = x.locations[0].physicalLocation;
      return `${a.uri} ${g.startLine}:${g.startColumn} ${g.endLine}:${g.endColumn} ${x.ruleId}`;
    })
    .sort();
}

/** The secrets a run reported, read back from the files through the SARIF regions. */
function reportedSecrets(ws: string, r: Run): string[] {
  const log: Sarif = JSON.parse(r.stdout);
  const inKinds = (x: Sarif): boolean => x.locations[0].physicalLocation.artifactLocation.uri.startsWith('kinds/');
  return log.runs[0].results
    .filter((x: Sarif) => !inKinds(x))
    .map((x: Sarif) => {
      const { artifactLocation: a, region: g } = x.locations[0].physicalLocation;
      const lines = readFileSync(join(ws, decodeURIComponent(a.uri)), 'utf8').split('\n');
      // for a PEM block the marker is public: take the first body line instead
      return x.ruleId === 'private-key'
        ? lines[g.startLine]
        : lines[g.startLine - 1].slice(g.startColumn - 1, g.endColumn - 1);
    });
}

function expectedTable(): string[] {
  return readFileSync(join(FIXTURES, 'EXPECTED.md'), 'utf8')
    .split('\n')
    .filter((l) => /^\| [\w./-]+ \| \d+:\d+ \|/.test(l))
    .map((l) =>
      l
        .split('|')
        .slice(1, 5)
        .map((c) => c.trim())
        .join(' '),
    )
    .sort();
}

/** kinds/EXPECTED.md: the labelled corpus by kind, as `file line rule` (paths from FIXTURES). */
function kindsTable(): string[] {
  return readFileSync(join(FIXTURES, 'kinds', 'EXPECTED.md'), 'utf8')
    .split('\n')
    .filter((l) => /^\| [\w-]+ \| [^|]+ \| \d+ \|/.test(l))
    .map((l) => {
      const [, file, line, rule] = l
        .split('|')
        .slice(1, 5)
        .map((c) => c.trim());
      return `kinds/${file} ${line} ${rule}`;
    })
    .sort();
}

const tmp: string[] = [];
after(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('secretsMain (the builtin secrets agent process)', () => {
  it('walks the fixture workspace: exit 1, one SARIF log with exactly the planted findings, no leak', async () => {
    const r = await run(
      FIXTURES,
      JSON.stringify({ id: 't1', agent: 'saa', task: 'security-audit', files: [], workspace: FIXTURES }),
    );
    assert.equal(r.code, 1, r.stderr);
    const log: Sarif = JSON.parse(r.stdout);
    assert.equal(log.version, '2.1.0');
    assert.equal(log.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
    assert.equal(log.runs.length, 1);
    assert.equal(log.runs[0].tool.driver.name, 'agentic-bg secrets');
    assert.equal(log.runs[0].originalUriBaseIds['%SRCROOT%'].uri, pathToFileURL(FIXTURES).href + '/');
    const all = results(r);
    assert.deepEqual(
      all.filter((l) => !l.startsWith('kinds/')),
      expectedTable(),
    );
    // the labelled corpus by kind, binary key stores included: line and rule of each, nothing more
    const kinds = all.filter((l) => l.startsWith('kinds/')).map((l) => l.replace(/ (\d+):\d+ \d+:\d+ /, ' $1 '));
    assert.deepEqual(kinds.sort(), kindsTable());
    for (const x of log.runs[0].results) {
      const { artifactLocation: a, region: g } = x.locations[0].physicalLocation;
      if (!a.uri.startsWith('kinds/') || g.endColumn === g.startColumn) continue; // key stores: whole file
      const line = readFileSync(join(FIXTURES, decodeURIComponent(a.uri)), 'utf8').split('\n')[g.startLine - 1]!;
      const secret = line.slice(g.startColumn - 1, g.endColumn - 1);
      if (x.ruleId !== 'private-key') assert.ok(secret.length >= 6 && !r.stdout.includes(secret), `${a.uri}: leaked`);
    }
    for (const x of log.runs[0].results) {
      assert.match(x.partialFingerprints['secretHash/v1'], /^[0-9a-f]{16}$/);
      assert.equal(x.locations[0].physicalLocation.artifactLocation.uriBaseId, '%SRCROOT%');
      assert.ok(['error', 'warning'].includes(x.level));
    }
    const secrets = reportedSecrets(FIXTURES, r);
    assert.equal(secrets.length, 17);
    for (const s of secrets) {
      assert.ok(s.length >= 12);
      assert.ok(!r.stdout.includes(s), 'a secret leaked to stdout');
      assert.ok(!r.stderr.includes(s), 'a secret leaked to stderr');
    }
    assert.match(r.stderr, new RegExp(`scanned \\d+ file\\(s\\), ${17 + kindsTable().length} finding\\(s\\)`));
  });

  it('the clean fixtures: exit 0 and no results', async () => {
    const ws = join(FIXTURES, 'clean');
    const r = await run(ws, JSON.stringify({ files: [], workspace: ws }));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).runs[0].results, []);
  });

  it('scans only the listed files, skipping missing ones with a note; reads the task from stdin', async () => {
    const task = JSON.stringify({
      files: ['deploy.env', 'nope/missing.txt', 'clean/app/settings.py'],
      workspace: FIXTURES,
    });
    for (const r of await Promise.all([run(FIXTURES, task), run(FIXTURES, undefined, task)])) {
      assert.equal(r.code, 1, r.stderr);
      assert.deepEqual(
        results(r),
        expectedTable().filter((l) => l.startsWith('deploy.env ')),
      );
      assert.match(r.stderr, /skipped nope\/missing\.txt: not found/);
    }
  });

  it('exit 2 with a clear message for a bad or missing task, and nothing on stdout', async () => {
    const bad: Array<[string | undefined, string | undefined, RegExp]> = [
      ['{"files": [', undefined, /not valid JSON/],
      ['{"files": "deploy.env"}', undefined, /task\.files must be an array/],
      ['["deploy.env"]', undefined, /must be a JSON object/],
      [JSON.stringify({ files: [], workspace: join(FIXTURES, 'no-such-dir') }), undefined, /is not a directory/],
      [undefined, '', /no task/],
    ];
    const runs = await Promise.all(bad.map(([env, stdin]) => run(FIXTURES, env, stdin)));
    for (const [i, [env, , message]] of bad.entries()) {
      const r = runs[i];
      assert.equal(r.code, 2, `${env}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
  });

  it('a walk honours .gitignore and skips vendored dirs, big and binary files; URIs are encoded', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'agentic-secrets-'));
    tmp.push(ws);
    const token = ['gh', 'p_', 'Wm4Zr8Qx2Lk7Tb5Nv3Yc9Hd1Jf6Ps0Ga8Ue2'].join('');
    const line = `GITHUB_TOKEN=${token}\n`;
    const put = (rel: string, content: string | Buffer): void => {
      mkdirSync(join(ws, rel, '..'), { recursive: true });
      writeFileSync(join(ws, rel), content);
    };
    put('.gitignore', '# local stuff\n*.local\nignored/\n/root-only.env\n');
    put('kept.env', line);
    put('dir with space/my file.env', line);
    put('x.local', line);
    put('ignored/a.env', line);
    put('root-only.env', line);
    put('sub/root-only.env', line);
    put('node_modules/pkg/index.js', `module.exports = "${token}";\n`);
    put('.git/config', line);
    put('big.txt', line + 'x'.repeat(2 * 1024 * 1024));
    put('blob.bin', Buffer.concat([Buffer.from([0, 1, 2, 3]), Buffer.from(line)]));
    const r = await run(ws, JSON.stringify({ files: [], workspace: ws }));
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(results(r), [
      'dir%20with%20space/my%20file.env 1:14 1:54 github-token',
      'kept.env 1:14 1:54 github-token',
      'sub/root-only.env 1:14 1:54 github-token',
    ]);
    assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token));
    assert.match(r.stderr, /skipped big\.txt: larger than 2 MB/);
    // listed explicitly, an ignored file is scanned: the user saved it
    const r2 = await run(ws, JSON.stringify({ files: ['x.local'], workspace: ws }));
    assert.deepEqual(results(r2), ['x.local 1:14 1:54 github-token']);
  });
  it('.agentic/secrets-ignore silences by glob and rule; a bad line is a notification on its line', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'agentic-secrets-ignore-'));
    tmp.push(ws);
    const A = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const hash = ['$2b$12$', Array.from({ length: 53 }, (_, i) => A[(i * 11 + 5) % 64]).join('')].join('');
    mkdirSync(join(ws, 'db'));
    mkdirSync(join(ws, '.agentic'));
    writeFileSync(join(ws, 'db', 'seed.sql'), `INSERT INTO users VALUES ('a', '${hash}');\n`);
    writeFileSync(join(ws, 'other.sql'), `-- ${hash}\n`);
    writeFileSync(join(ws, '.env'), 'DB_PASSWORD=tulip9\n');
    writeFileSync(join(ws, '.agentic', 'secrets-ignore'), '# known\ndb/*.sql password-hash\n.env password-hsah\n');
    const r = await run(ws, JSON.stringify({ files: [], workspace: ws }));
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(results(r), ['.env 1:13 1:19 password-assignment', 'other.sql 1:4 1:64 password-hash']);
    const inv = JSON.parse(r.stdout).runs[0].invocations;
    assert.equal(inv.length, 1);
    const n = inv[0].toolConfigurationNotifications;
    assert.equal(n.length, 1);
    assert.equal(n[0].level, 'error');
    assert.match(n[0].message.text, /unknown rule "password-hsah"/);
    assert.deepEqual(n[0].locations[0].physicalLocation.region, { startLine: 3, startColumn: 6 });
    assert.equal(n[0].locations[0].physicalLocation.artifactLocation.uri, '.agentic/secrets-ignore');
    assert.match(r.stderr, /\.agentic\/secrets-ignore:3:6: unknown rule/);
    assert.match(r.stderr, /2 finding\(s\) \(1 more ignored by \.agentic\/secrets-ignore\)/);
  });
});

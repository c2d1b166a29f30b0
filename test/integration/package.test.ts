// What users install: the .vsix (vsce, from package.json's `files` allow-list) holds the run-time
// bundles and nothing else, within its size budget and without a vsce warning; the npm tarball
// installs into a fresh global prefix with no build step and drives a real host end to end.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, RUNTIME } from './helpers';
import { runProcess } from '../support/run';

interface Run {
  code: number;
  out: string;
}

async function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  const r = await runProcess(cmd, args, {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, XDG_RUNTIME_DIR: RUNTIME, ...opts.env },
  });
  return { code: r.code, out: r.stdout + r.stderr };
}

const VSCE = join(ROOT, 'node_modules', '.bin', 'vsce');
/** every file the .vsix may hold: run-time bundles, the schema, media and the documents */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^CHANGELOG\.md$/,
  /^media\/[\w-]+\.(png|svg)$/,
  /^dist\/[\w-]+\.js$/,
  /^dist\/agentic_config\.schema\.json$/,
];
const REQUIRED = [
  'dist/extension.js',
  'dist/host.js',
  'dist/cli.js',
  'dist/doctor.js',
  'dist/config-validator.js',
  'dist/builtin-secrets.js',
  'dist/sdk.js',
  'dist/agentic_config.schema.json',
  'media/icon.png',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
];
const VSIX_BUDGET = 1.5 * 2 ** 20;

const tmp = mkdtempSync(join(tmpdir(), 'agbg-pkg-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('packages', () => {
  it('the .vsix lists only allowed files, every run-time bundle among them', async () => {
    const r = await run(VSCE, ['ls', '--no-dependencies']);
    assert.equal(r.code, 0, r.out);
    const files = r.out.split('\n').filter(Boolean);
    const stray = files.filter((f) => !ALLOWED.some((re) => re.test(f)));
    assert.deepEqual(stray, [], 'files outside the allow-list');
    for (const f of REQUIRED) assert.ok(files.includes(f), `${f} is missing from the .vsix`);
  });

  it('vsce package succeeds without a warning, within the size budget', async () => {
    const out = join(tmp, 'x.vsix');
    const r = await run(VSCE, ['package', '--no-dependencies', '--out', out]);
    assert.equal(r.code, 0, r.out);
    assert.doesNotMatch(r.out, /WARNING|warn/i, r.out);
    const size = statSync(out).size;
    console.log(`.vsix: ${(size / 1024).toFixed(0)} KiB (budget ${VSIX_BUDGET / 1024} KiB)`);
    assert.ok(size <= VSIX_BUDGET, `${size} bytes is over the ${VSIX_BUDGET} byte budget`);
  });

  it('npm pack → npm install -g into a fresh prefix gives a working agentic-bg', async () => {
    const r = await run('npm', ['pack', '--pack-destination', tmp, '--silent']);
    assert.equal(r.code, 0, r.out);
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    assert.ok(tgz, r.out);
    const prefix = join(tmp, 'prefix');
    // no network needed: the package has no run-time dependencies (everything is bundled)
    const inst = await run(
      'npm',
      ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(tmp, tgz)],
      {
        cwd: tmp,
      },
    );
    assert.equal(inst.code, 0, inst.out);
    const bin = join(prefix, 'bin', 'agentic-bg');
    const ws = join(tmp, 'ws');
    mkdirSync(join(ws, 'src'), { recursive: true });
    writeFileSync(join(ws, 'src', 'keys.py'), 'AWS_ACCESS_KEY_ID = "AKIAQ3EGUSD7XVN2LT4P"\n');
    const env = { PATH: `${join(prefix, 'bin')}:${process.env.PATH}` };
    const start = await run(bin, ['start', '--workspace', ws], { env });
    assert.equal(start.code, 0, start.out);
    try {
      const sub = await run(
        bin,
        ['submit', '--agent', 'saa', '--task', 'security-audit', '--wait', '--workspace', ws],
        { env },
      );
      assert.equal(sub.code, 0, sub.out); // the task succeeded and found the planted key
      assert.match(sub.out, /src\/keys\.py:1:\d+ error AWS access key id/);
    } finally {
      const stop = await run(bin, ['stop', '--workspace', ws], { env });
      assert.equal(stop.code, 0, stop.out);
    }
  });
});

// Runs the node:test suites written in TypeScript (loaded through tsx).
// Usage: node test/run.mjs [unit|integration ...]   (default: unit and integration)
// Node 20's --test does not expand globs, so the files are listed here.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('.', import.meta.url).pathname;
const groups = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'integration'];

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = groups.flatMap((g) => find(join(root, g))).sort();
if (files.length === 0) {
  console.error('no test files found in', groups.join(', '));
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// spec for people, TAP into a file for the closing "N passed, N failed" line CI reads
const tap = join(mkdtempSync(join(tmpdir(), 'agbg-tap-')), 'results.tap');
const child = spawn(
  process.execPath,
  [
    // --test-force-exit: a test file whose tests have all finished must not hold the whole run
    // open through a leaked handle (seen once in CI: a connected client socket after a suite)
    '--import', 'tsx', '--test', '--test-force-exit', '--test-timeout=240000', `--test-concurrency=${concurrency}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
child.on('exit', (code, signal) => {
  let summary = '';
  try {
    const text = readFileSync(tap, 'utf8');
    const count = (k) => Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    summary = `${count('pass')} passed, ${count('fail') + count('cancelled')} failed, ${count('skipped') + count('todo')} skipped`;
  } catch {
    summary = '0 passed, 1 failed';
  }
  process.stdout.write(`\n${summary}\n`);
  process.exit(signal ? 1 : (code ?? 1));
});

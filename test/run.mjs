// Runs the node:test suites written in TypeScript (loaded through tsx).
// Usage: node test/run.mjs [unit|integration ...]   (default: unit and integration)
// Node 20's --test does not expand globs, so the files are listed here.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
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
// the spec reporter's closing "ℹ pass N / ℹ fail N" lines become the plain "N passed, N failed"
// line CI reads. No --test-force-exit: a test file that leaves a handle open (a socket, a timer, a
// child process) must show up as a run that does not end, not be hidden by it.
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-timeout=240000',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    ...files,
  ],
  { stdio: ['inherit', 'pipe', 'inherit'] },
);
let tail = '';
child.stdout.on('data', (d) => {
  process.stdout.write(d);
  tail = (tail + d.toString('utf8')).slice(-8192);
});
child.on('exit', (code, signal) => {
  const count = (k) => Number(new RegExp(`^ℹ ${k} (\\d+)$`, 'm').exec(tail)?.[1] ?? NaN);
  const [pass, fail, cancelled, skipped, todo] = ['pass', 'fail', 'cancelled', 'skipped', 'todo'].map(count);
  const summary = Number.isNaN(pass)
    ? '0 passed, 1 failed (the test runner printed no summary)'
    : `${pass} passed, ${fail + cancelled} failed, ${skipped + todo} skipped`;
  process.stdout.write(`\n${summary}\n`);
  process.exit(signal ? 1 : (code ?? 1));
});

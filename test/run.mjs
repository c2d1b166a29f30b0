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
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));

// The measurement behind the workspace watcher's choice (README "Other editors: the host watches"):
// @parcel/watcher against chokidar on a tree of 10 000 files (plus 2 000 in node_modules, which
// both are told to ignore). Each watcher runs in a fresh Node process: time from require to ready,
// RSS once ready, and the latency from a write (plain, and write-temp + rename) to its event.
//   node test/bench/watcherChoice.mjs [--reps N]
// chokidar is not a dependency of the project: the one in node_modules (mocha's) is measured.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const self = fileURLToPath(import.meta.url);

async function child(kind, root) {
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  let onEvent = () => undefined;
  let close;
  if (kind === 'parcel') {
    const w = require('@parcel/watcher');
    const sub = await w.subscribe(root, (_err, evs) => evs.forEach((e) => onEvent(e.path)), {
      ignore: ['node_modules', '.git'],
    });
    close = () => sub.unsubscribe();
  } else {
    const { watch } = await import('chokidar');
    const w = watch(root, { ignoreInitial: true, ignored: (p) => /\/(node_modules|\.git)(\/|$)/.test(p) });
    await new Promise((r) => w.once('ready', r));
    w.on('all', (_e, p) => onEvent(p));
    close = () => w.close();
  }
  const readyMs = performance.now() - t0;
  const rss = process.memoryUsage().rss;
  const lat = [];
  for (let i = 0; i < 40; i++) {
    const f = join(root, `d${i}`, `f${i}.txt`);
    const seen = new Promise((r) => (onEvent = (p) => p === f && r()));
    const t = performance.now();
    if (i % 2) {
      writeFileSync(`${f}.tmp`, `r${i}`);
      renameSync(`${f}.tmp`, f);
    } else writeFileSync(f, `w${i}`);
    await seen;
    lat.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 30)); // let the next write be an event of its own
  }
  await close();
  lat.sort((a, b) => a - b);
  const r = (x) => Math.round(x * 10) / 10;
  return {
    kind,
    readyMs: r(readyMs),
    rssMB: r(rss / 1e6),
    rssAddedMB: r((rss - rss0) / 1e6),
    p50: r(lat[20]),
    max: r(lat.at(-1)),
  };
}

if (process.argv[2] === '--child') {
  console.log(JSON.stringify(await child(process.argv[3], process.argv[4])));
  process.exit(0);
}

const reps = Number(process.argv[process.argv.indexOf('--reps') + 1]) || 3;
const root = mkdtempSync(join(tmpdir(), 'watch-tree-'));
try {
  for (let d = 0; d < 100; d++) {
    mkdirSync(join(root, `d${d}`));
    for (let f = 0; f < 100; f++) writeFileSync(join(root, `d${d}`, `f${f}.txt`), 'x');
  }
  mkdirSync(join(root, 'node_modules', 'pkg'), { recursive: true });
  for (let f = 0; f < 2000; f++) writeFileSync(join(root, 'node_modules', 'pkg', `m${f}.js`), 'x');
  console.log('watcher   ready ms  RSS MB (added)  write→event p50 / max ms');
  for (let i = 0; i < reps; i++)
    for (const kind of i % 2 ? ['chokidar', 'parcel'] : ['parcel', 'chokidar']) {
      const r = JSON.parse(execFileSync(process.execPath, [self, '--child', kind, root], { encoding: 'utf8' }));
      console.log(
        `${r.kind.padEnd(9)} ${String(r.readyMs).padStart(8)}  ${String(r.rssMB).padStart(6)} (${r.rssAddedMB})  ${r.p50} / ${r.max}`,
      );
    }
} finally {
  rmSync(root, { recursive: true, force: true });
}

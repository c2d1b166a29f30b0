// npm run test:vscode — the extension inside a real VS Code, here: code-server 4.100.3 (VS Code
// 1.100.3 on Node 20) from npm, driven by playwright-core in Debian's Chromium (VS Code itself
// cannot be downloaded on these machines; test/vscode/electron.ts is the path where it can).
//   1. installs code-server into .vscode-test/code-server when missing (apt + npm only)
//   2. trusted run: the suite in test/vscode/suite runs in the extension host against the real
//      host (dist/host.js) on a copy of test/fixtures/vscode-ws; then a DOM check + screenshot
//   3. untrusted run (Workspace Trust on, folder not trusted): the restricted-mode suite
// Prints "N passed, N failed, N skipped" over everything and exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './harness/browser.mjs';
import { startCodeServer } from './harness/codeServer.mjs';
import { runSuite } from './harness/runSuite.mjs';
import { uiCheck } from './harness/uiCheck.mjs';
import { installVsix, userWalk } from './harness/userWalk.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const t0 = Date.now();
const lap = (m) => console.log(`[test:vscode ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
const csDir = process.env.CODE_SERVER_DIR || join(root, '.vscode-test', 'code-server');
const bin = join(csDir, 'node_modules', '.bin', 'code-server');
const tests = join(root, 'out', 'test', 'vscode', 'index');

if (!existsSync(bin)) {
  lap(`installing code-server into ${csDir} (once; about 1–3 min)`);
  const r = spawnSync('bash', [join(root, 'test', 'vscode', 'install-code-server.sh'), csDir], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) {
    console.error('code-server could not be installed');
    console.log('0 passed, 1 failed, 0 skipped');
    process.exit(1);
  }
}
if (!existsSync(`${tests}.js`) || !existsSync(join(root, 'dist', 'extension.js'))) {
  console.error('build first: npm run build (npm run test:vscode does)');
  process.exit(2);
}

const runDir = mkdtempSync(join(tmpdir(), 'agbg-vsc-'));
// host sockets of this run live here, away from any host the user runs
const runtime = join(runDir, 'rt');
mkdirSync(runtime, { mode: 0o700 });
const env = {
  XDG_RUNTIME_DIR: runtime,
  AGENTIC_IDLE_GRACE_MS: '3000',
  ...(process.env.AGENTIC_TEST_GREP ? { AGENTIC_TEST_GREP: process.env.AGENTIC_TEST_GREP } : {}),
};
const workspace = (name) => {
  const dir = join(runDir, name);
  cpSync(join(root, 'test', 'fixtures', 'vscode-ws'), dir, { recursive: true });
  return dir;
};
const screenshot = process.env.UPDATE_SCREENSHOT
  ? join(root, 'media', 'screenshot.png')
  : join(root, '.vscode-test', 'screenshot.png');
mkdirSync(dirname(screenshot), { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
const count = (summary, code) => {
  const m = /^(\d+) passed, (\d+) failed, (\d+) skipped$/.exec(summary);
  if (m) {
    totals.passed += Number(m[1]);
    totals.failed += Number(m[2]);
    totals.skipped += Number(m[3]);
  }
  if (code !== 0 && (!m || Number(m[2]) === 0)) totals.failed += 1; // crashed before reporting
};
const check = (ok, what) => {
  lap(`${ok ? 'ok' : 'FAILED'}: ${what}`);
  if (ok) totals.passed++;
  else totals.failed++;
};

const browser = await launchBrowser();
const servers = [];
try {
  // --- trusted (workspace trust disabled = trusted): the main suite, then the UI check
  if (!process.env.ONLY || process.env.ONLY === 'trusted') {
    const ws1 = workspace('ws-trusted');
    const cs1 = await startCodeServer({
      bin,
      dir: join(runDir, 'cs-trusted'),
      trust: false,
      env: { ...env, AGENTIC_TEST_MODE: 'trusted' },
    });
    servers.push(cs1);
    lap(`code-server (trusted) on ${cs1.host}`);
    const r1 = await runSuite(browser, {
      host: cs1.host,
      ext: root,
      tests,
      folder: ws1,
      timeoutSec: 300,
      label: 'trusted',
    });
    count(r1.summary, r1.code);
    check(
      outputChannelHas(cs1.userData, ['attached to host pid', 'host started']),
      "the output channel carries the extension's and the host's log",
    );
    if (!process.env.SKIP_UI)
      check(
        (await uiCheck(browser, { host: cs1.host, ext: root, folder: ws1, screenshot, file: 'src/app.py' })) === 0,
        `UI: status bar, views, Problems panel (${screenshot})`,
      );
    await cs1.stop();
  }

  // --- installed: the .vsix of `npm run package` installed with --install-extension, walked as a
  // user walks it (no extensionDevelopmentPath). Runs whenever the package exists (CI builds it).
  const vsix = process.env.AGENTIC_VSIX || join(root, 'agentic-background.vsix');
  if ((!process.env.ONLY || process.env.ONLY === 'installed') && existsSync(vsix)) {
    const dir = join(runDir, 'cs-installed');
    const installed = installVsix(bin, vsix, join(dir, 'extensions'), join(dir, 'user-data'));
    lap(`installed ${vsix} into ${installed}`);
    const cs3 = await startCodeServer({ bin, dir, trust: false, env });
    servers.push(cs3);
    const walk = await userWalk(browser, {
      host: cs3.host,
      folder: workspace('ws-installed'),
      installed,
      screenshot: join(root, '.vscode-test', 'installed.png'),
    });
    check(walk.code === 0, `the installed .vsix: ${walk.steps.length} steps of the user walk`);
    await cs3.stop();
  } else if (!process.env.ONLY || process.env.ONLY === 'installed')
    lap(`no ${vsix}: the installed-extension walk is skipped (npm run package makes it)`);

  // --- untrusted: Workspace Trust on, a fresh profile does not trust the folder
  if (!process.env.ONLY || process.env.ONLY === 'untrusted') {
    const ws2 = workspace('ws-restricted');
    const cs2 = await startCodeServer({
      bin,
      dir: join(runDir, 'cs-restricted'),
      trust: true,
      env: { ...env, AGENTIC_TEST_MODE: 'restricted' },
    });
    servers.push(cs2);
    lap(`code-server (untrusted) on ${cs2.host}`);
    const r2 = await runSuite(browser, {
      host: cs2.host,
      ext: root,
      tests,
      folder: ws2,
      timeoutSec: 180,
      label: 'restricted',
    });
    count(r2.summary, r2.code);
    await cs2.stop();
  }
} catch (err) {
  console.error('[test:vscode] harness error:', err);
  totals.failed++;
} finally {
  await browser.close().catch(() => undefined);
  for (const s of servers) await s.stop().catch(() => undefined);
  await stopLeftoverHosts(join(runtime, 'agentic-bg'));
}

lap(`done; logs in ${runDir}`);
if (totals.failed === 0 && !process.env.KEEP_RUN) rmSync(runDir, { recursive: true, force: true });
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed === 0 ? 0 : 1);

/** The LogOutputChannel is also written under the profile's logs folder. */
function outputChannelHas(userData, needles) {
  const files = [];
  const walk = (d) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.includes('Agentic Background')) files.push(p);
    }
  };
  try {
    walk(join(userData, 'logs'));
  } catch {
    return false;
  }
  const text = files.map((f) => readFileSync(f, 'utf8')).join('\n');
  return needles.every((n) => text.includes(n));
}

/** Hosts the extension launched stop when idle; any still alive after a grace get SIGTERM. */
async function stopLeftoverHosts(dir) {
  let infos = [];
  try {
    infos = readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')));
  } catch {
    return;
  }
  const alive = (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 50 && infos.some((x) => alive(x.pid)); i++) await new Promise((r) => setTimeout(r, 100));
  for (const x of infos) if (alive(x.pid)) process.kill(x.pid, 'SIGTERM');
}

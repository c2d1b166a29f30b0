// The installed extension as a user meets it: the .vsix installed into code-server with
// --install-extension (no extensionDevelopmentPath, no test hooks), a workspace with
// agentic_config.yaml opened, and a walk through the UI in Chromium: the status bar and the views
// appear, a secret typed into a file is flagged in the Problems panel on save, and Stop Host /
// Start Host from the command palette stop and start the host.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const STATUS = '[id="agentic.agentic-background.agenticBackground.status"]';
// made up, in the format of a GitHub personal access token (36 characters after the prefix)
const TOKEN = 'ghp_' + 'R8vKq2LmX7nT4wPz9YbC3dFh6JsA1eGu5NkQ';

/** Installs `vsix` into `extensionsDir` the way a user does; returns the installed folder. */
export function installVsix(bin, vsix, extensionsDir, userData) {
  mkdirSync(extensionsDir, { recursive: true });
  mkdirSync(join(userData, 'User'), { recursive: true });
  const r = spawnSync(
    bin,
    ['--extensions-dir', extensionsDir, '--user-data-dir', userData, '--install-extension', resolve(vsix)],
    { encoding: 'utf8', env: { ...process.env, EXTENSIONS_GALLERY: '{}' } },
  );
  if (r.status !== 0) throw new Error(`--install-extension failed (${r.status}): ${r.stdout}\n${r.stderr}`);
  const dir = readdirSync(extensionsDir).find((d) => d.startsWith('agentic.agentic-background-'));
  if (!dir) throw new Error(`no agentic.agentic-background-* in ${extensionsDir} after the install:\n${r.stdout}`);
  return join(extensionsDir, dir);
}

/** pids of processes whose command line runs `file` */
function hostsRunning(file) {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').includes(file);
      } catch {
        return false;
      }
    });
}

export async function userWalk(browser, { host, folder, installed, screenshot }) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  const t0 = Date.now();
  const steps = [];
  const lap = (m) => {
    steps.push(m);
    console.log(`[installed ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
  };
  const palette = async (text, row) => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(text);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: row }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
  };
  try {
    // no payload: the workbench loads what is installed, as for a user
    await page.goto(`http://${host}/?folder=${encodeURIComponent(resolve(folder))}`);
    const status = page.locator(`${STATUS} .statusbar-item-label`);
    await status.filter({ hasText: /Agentic: (idle|\d+ running)/ }).waitFor({ timeout: 90_000 });
    lap(`status bar: "${(await status.innerText()).trim()}"`);
    const hostJs = join(installed, 'dist', 'host.js');
    if (!hostsRunning(hostJs).length) throw new Error(`no host runs ${hostJs}: not the installed copy`);
    lap(`the host runs from the installed extension (${hostJs})`);

    await page.locator('.part.activitybar a.action-label[aria-label="Agentic Background"]').click();
    const view = page.locator('[id="workbench.view.extension.agenticBackground"]');
    await view
      .locator('.monaco-list-row[role="treeitem"]')
      .filter({ hasText: 'saa' })
      .first()
      .waitFor({ timeout: 30_000 });
    lap('the Agents view lists saa');

    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill('app.py');
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'app.py' })
      .first()
      .waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    await page.locator('.editor-instance .view-lines').first().click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.type(`# deploy token ${TOKEN}`, { delay: 5 });
    await page.keyboard.press('Control+S');
    lap('typed a GitHub token into src/app.py and saved');
    await palette('>View: Focus Problems', 'Focus Problems');
    const problems = page.locator('.markers-panel .monaco-list-row');
    await problems
      .filter({ hasText: /GitHub/ })
      .first()
      .waitFor({ timeout: 60_000 });
    lap(
      `Problems: ${(
        await problems
          .filter({ hasText: /GitHub/ })
          .first()
          .innerText()
      )
        .replace(/\s+/g, ' ')
        .trim()}`,
    );

    await palette('>Agentic Background: Stop Host', 'Stop Host');
    await status.filter({ hasText: /stopped/ }).waitFor({ timeout: 30_000 });
    lap(`Stop Host: status bar "${(await status.innerText()).trim()}"`);
    await palette('>Agentic Background: Start Host', 'Start Host');
    await status.filter({ hasText: /Agentic: (idle|\d+ running)/ }).waitFor({ timeout: 60_000 });
    lap(`Start Host: status bar "${(await status.innerText()).trim()}"`);
    await page.screenshot({ path: screenshot });
    return { code: 0, steps };
  } catch (e) {
    await page.screenshot({ path: screenshot.replace(/\.png$/, '-error.png') }).catch(() => undefined);
    console.error('[installed] walk failed:', e);
    return { code: 1, steps };
  } finally {
    await page.close().catch(() => undefined);
  }
}

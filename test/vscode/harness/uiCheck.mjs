// The extension as a user sees it, checked in the DOM: the status bar item, the activity-bar
// container with its Agents and Tasks views, a finding in the Problems panel after "Run Agents on
// Current File" from the command palette. Ends with a screenshot (the README's picture).
import { workbenchUrl } from './browser.mjs';

const STATUS = '[id="agentic.agentic-background.agenticBackground.status"]';

export async function uiCheck(browser, { host, ext, folder, screenshot, file }) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  const t0 = Date.now();
  const lap = (m) => console.log(`[ui ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
  const palette = async (text, row) => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(text);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: row }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
  };
  try {
    await page.goto(workbenchUrl(host, { ext, folder }));
    const status = page.locator(`${STATUS} .statusbar-item-label`);
    await status.filter({ hasText: /Agentic: (idle|\d+ running)/ }).waitFor({ timeout: 60_000 });
    lap(`status bar: "${(await status.innerText()).trim()}"`);

    await page.locator('.part.activitybar a.action-label[aria-label="Agentic Background"]').click();
    const view = page.locator('[id="workbench.view.extension.agenticBackground"]');
    const rows = view.locator('.monaco-list-row[role="treeitem"]');
    await rows.filter({ hasText: 'saa' }).first().waitFor({ timeout: 30_000 });
    lap(`tree rows: ${JSON.stringify(await rows.locator('.label-name').allInnerTexts())}`);

    await page.keyboard.press('Control+P'); // Quick Open
    await page.locator('.quick-input-widget input').waitFor();
    await page.locator('.quick-input-widget input').fill(file);
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: file.split('/').pop() })
      .first()
      .waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    await page.locator('.editor-instance .view-lines').first().waitFor();
    await palette('>Agentic Background: Run Agents on Current File', 'Run Agents on Current File');

    await palette('>View: Focus Problems', 'Focus Problems');
    const problems = page.locator('.markers-panel .monaco-list-row');
    await problems.filter({ hasText: /AWS/ }).first().waitFor({ timeout: 30_000 });
    lap(
      `problems: ${JSON.stringify((await problems.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()).slice(0, 4))}`,
    );
    await status.filter({ hasText: 'idle' }).waitFor({ timeout: 30_000 });
    await rows
      .filter({ hasText: 'Succeeded' })
      .first()
      .waitFor({ timeout: 30_000 })
      .catch(() => undefined);
    await page.mouse.move(700, 300); // no hover tooltip in the picture
    await page.waitForTimeout(500);
    await page.screenshot({ path: screenshot });
    lap(`screenshot -> ${screenshot}`);
    return 0;
  } catch (e) {
    await page.screenshot({ path: screenshot.replace(/\.png$/, '-error.png') }).catch(() => undefined);
    console.error('[ui] check failed:', e);
    return 1;
  } finally {
    await page.close().catch(() => undefined);
  }
}

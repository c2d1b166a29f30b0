// Runs the mocha suite inside code-server's extension host: the workbench starts the test run
// from the URL's payload, relays every extension-host console line to codeAutomationLog and the
// exit code to codeAutomationExit.
import { workbenchUrl } from './browser.mjs';

export async function runSuite(browser, { host, ext, tests, folder, timeoutSec, label }) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const t0 = Date.now();
  let summary = '';
  let firstLog = 0;
  let finish;
  const done = new Promise((r) => (finish = r));
  page.on('pageerror', (e) => console.error(`[${label}] page error: ${e.message}`));
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const line = (args ?? []).map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    const m = /^(\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(line);
    if (!firstLog)
      console.log(
        `[${label}] first extension-host output after ${(((firstLog = Date.now()) - t0) / 1000).toFixed(1)}s`,
      );
    if (m) {
      summary = m[0];
      // prefixed: only run.mjs's closing total may start a line with "N passed, N failed"
      console.log(`[${label}] suite finished after ${((Date.now() - t0) / 1000).toFixed(1)}s: ${summary}`);
      return;
    }
    (type === 'error' ? console.error : console.log)(...(args ?? []));
  });
  await page.exposeFunction('codeAutomationExit', (code) => finish(code));
  const timer = setTimeout(() => {
    console.error(`[${label}] timed out after ${timeoutSec}s`);
    finish(124);
  }, timeoutSec * 1000);
  await page.goto(workbenchUrl(host, { ext, folder, tests }));
  const code = await done;
  clearTimeout(timer);
  await page.close().catch(() => undefined);
  console.log(`[${label}] exit code ${code} after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return { code, summary };
}
